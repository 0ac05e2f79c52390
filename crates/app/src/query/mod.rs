//! What the API reads: lists filtered by a filter tree ([`filter`]), held
//! as a [`list::List`] and cut into keyset pages ([`page`]), and the
//! relations of many rows at once ([`batch`]), the hottest of them decoded
//! by column position ([`position`]).

pub mod batch;
pub mod filter;
pub mod list;
pub mod page;
pub mod position;
pub mod tree;
