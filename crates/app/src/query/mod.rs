//! What the API reads: lists filtered by a filter tree ([`filter`]) and cut
//! into keyset pages ([`page`]).

pub mod filter;
pub mod page;
