//! What every area of the schema shares: who is asking ([`context`]), the
//! one mapping of application errors to codes ([`error`]), scalars and
//! enums, Relay connections over the application's keyset pages
//! ([`pagination`]), per-request loaders and look-ahead prefetch, the
//! filter inputs, and the limits every document is checked against.

pub mod context;
pub mod deadline;
pub mod enums;
pub mod error;
pub mod filter;
pub mod limits;
pub mod loaders;
pub mod pagination;
pub mod prefetch;
pub mod scalars;
pub mod splice;
pub mod tree;
