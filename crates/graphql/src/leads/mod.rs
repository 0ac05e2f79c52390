//! Leads: the lead, tag, DNC and segment mutations (reads of leads are
//! in [`crate::query`], their object types in [`crate::types`]).

pub mod mutations;
