//! Analytics: the daily rollups kept by every write, the call summary view,
//! and the live counters.

pub mod live;
pub mod rollups;
pub mod summary;
