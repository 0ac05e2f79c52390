//! Customers (seed 002, seed 004's customer record): a lead converted into
//! a customer with the organization's next reference number
//! ([`convert`]), read and changed ([`read`], [`write`]), their orders,
//! messages and deals ([`activity`]) merged into one timeline
//! ([`timeline`]), and their RFM scores ([`rfm`]), recomputed with every
//! order change. The scoring method is `switchboard_domain::customers`;
//! [`stats`] and [`analytics`] answer seed 002's questions about them.

pub mod activity;
pub mod analytics;
pub mod convert;
pub mod read;
pub mod rfm;
pub mod stats;
pub mod timeline;
pub mod write;

use switchboard_domain::text::Name;

use crate::error::{AppError, AppResult};

/// Trimmed optional text of at most `max` characters; empty reads as none.
fn text(field: &str, value: Option<String>, max: usize) -> AppResult<Option<String>> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    match value {
        Some(v) if v.chars().count() > max || v.contains('\0') => Err(AppError::bad_input(
            field,
            format!("at most {max} characters, without NUL"),
        )),
        other => Ok(other),
    }
}

/// A required name-like text (1 to 200 characters).
fn name(field: &str, value: &str) -> AppResult<String> {
    Name::parse(value)
        .map(|n| n.as_str().to_owned())
        .map_err(|e| AppError::bad_input(field, e.to_string()))
}
