//! What the API reads: lists filtered by a filter tree ([`filter`]), held
//! as a [`list::List`] and cut into keyset pages ([`page`]), and the
//! relations of many rows at once ([`batch`]).

pub mod batch;
pub mod filter;
pub mod list;
pub mod page;
