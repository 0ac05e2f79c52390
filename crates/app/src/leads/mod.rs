//! Leads: writing one ([`write`]), importing many ([`bulk`]), the DNC list
//! they are checked against ([`dnc`]), the history every change leaves
//! ([`history`]) and the reads the writes check with ([`lookups`]).

pub mod bulk;
pub mod dnc;
mod history;
pub mod lookups;
pub mod segments;
pub mod write;
