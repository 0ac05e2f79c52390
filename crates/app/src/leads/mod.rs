//! Leads: writing one ([`write`]), importing many ([`bulk`]), the DNC list
//! they are checked against ([`dnc`]), saved [`segments`], the history
//! every change leaves ([`history`]), what clients read ([`read`]) and the
//! reads the writes check with ([`lookups`]).

pub mod bulk;
pub mod dnc;
mod history;
pub mod lookups;
pub mod read;
pub mod segments;
pub mod write;
