//! Leads: the lead, tag, DNC and segment mutations, follow-ups, lead
//! assignment, scoring and status rules, and nurture sequences (reads of
//! leads are in [`crate::query`], their object types in [`crate::types`]).

pub mod assignments;
pub mod follow_ups;
pub mod messages;
pub mod mutations;
pub mod scoring;
pub mod sequences;
