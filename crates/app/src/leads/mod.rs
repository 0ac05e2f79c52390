//! Leads: writing one, importing many, and the DNC list they are checked against.

pub mod bulk;
pub mod segments;
pub mod write;
