//! Leads: the lead, tag, DNC and segment mutations, follow-ups and lead assignment (reads
//! of leads are in [`crate::query`], their object types in [`crate::types`]).

pub mod assignments;
pub mod follow_ups;
pub mod mutations;
pub mod scoring;
