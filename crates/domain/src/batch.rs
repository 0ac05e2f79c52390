//! How many rows one bulk request (`importLeads`, `upsertLeads`) may carry.
//!
//! A batch is written in one transaction; bounding it bounds the time that
//! transaction holds the write lock. The count is checked before any row is
//! read, so an oversized batch costs nothing.

use crate::field::FieldError;

/// Most rows in one batch.
pub const MAX_BATCH: usize = 5_000;

/// A number of rows of at most [`MAX_BATCH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BatchSize(usize);

impl BatchSize {
    /// The key a [`BatchSize`] error carries: empty, for the whole input
    /// (`.under("input")` keys it `input`).
    pub const FIELD: &str = "";

    pub fn parse(rows: usize) -> Result<Self, FieldError> {
        if rows > MAX_BATCH {
            return Err(FieldError::new(
                Self::FIELD,
                format!("at most {MAX_BATCH} rows a batch ({rows} given)"),
            ));
        }
        Ok(Self(rows))
    }

    pub fn rows(self) -> usize {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_has_at_most_5000_rows() {
        assert_eq!(BatchSize::parse(0).map(BatchSize::rows), Ok(0));
        assert_eq!(BatchSize::parse(MAX_BATCH).map(BatchSize::rows), Ok(5_000));
    }

    #[test]
    fn an_oversized_batch_is_refused_as_the_whole_input() {
        let error = BatchSize::parse(5_001).expect_err("refused").under("input");
        assert_eq!(
            error.into_parts(),
            (
                "input".to_owned(),
                "at most 5000 rows a batch (5001 given)".to_owned()
            )
        );
    }
}
