//! Leads: writing one ([`write`]), importing many ([`bulk`]), who owns
//! them ([`assign`]), how they are scored ([`scoring`]) and moved by calls
//! ([`automation`]) and nurtured ([`sequences`], run by [`runner`]), the DNC list they are checked against ([`dnc`]),
//! their [`follow_ups`], saved [`segments`], the history every change
//! leaves ([`history`]), what clients read ([`read`]) and the reads the
//! writes check with ([`lookups`]).

pub mod assign;
pub mod automation;
pub mod bulk;
pub mod dnc;
pub mod follow_ups;
mod history;
pub mod lookups;
pub mod read;
pub mod replies;
pub mod runner;
pub mod scoring;
pub mod segments;
pub mod sequences;
pub mod write;
