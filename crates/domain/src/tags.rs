//! A lead's tags: trimmed, distinct, bounded in number and length.
//!
//! Tags arrive from `createLead`, `importLeads`/`upsertLeads` rows and
//! `addLeadTags`/`removeLeadTags`; each input is parsed once into a
//! [`TagSet`], in time linear in its size, and refused before any work
//! depends on it.

use std::collections::HashSet;

use crate::field::FieldError;

/// Most tags one lead (or one tag list of a request) has.
pub const MAX_TAGS: usize = 50;
/// Longest tag, in characters (after trimming).
pub const MAX_TAG_CHARS: usize = 64;

/// Why a list of tags was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("at most {MAX_TAGS} tags are allowed ({0} given)")]
    TooMany(usize),
    #[error("a tag has 1 to {MAX_TAG_CHARS} characters (tag {0} is empty)")]
    Empty(usize),
    #[error("a tag has 1 to {MAX_TAG_CHARS} characters (tag {0} is longer)")]
    TooLong(usize),
}

/// A refused tag list as a field error, keyed `tags`.
impl From<TagError> for FieldError {
    fn from(error: TagError) -> Self {
        FieldError::new("tags", error.to_string())
    }
}

/// Distinct, trimmed, non-empty tags of at most [`MAX_TAG_CHARS`]
/// characters, at most [`MAX_TAGS`] of them, in the order first given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagSet(Vec<String>);

impl TagSet {
    /// Parses tags as a client sent them. The count is checked first, so a
    /// huge list is refused without looking at its items.
    pub fn parse<S: AsRef<str>>(tags: &[S]) -> Result<Self, TagError> {
        if tags.len() > MAX_TAGS {
            return Err(TagError::TooMany(tags.len()));
        }
        let mut seen = HashSet::with_capacity(tags.len());
        let mut out = Vec::with_capacity(tags.len());
        for (index, tag) in tags.iter().enumerate() {
            let tag = check(index, tag.as_ref())?;
            if seen.insert(tag) {
                out.push(tag.to_owned());
            }
        }
        Ok(Self(out))
    }

    /// `current` without `remove`, then with `add` appended (each once).
    /// Refused only when the result grows past [`MAX_TAGS`]: a lead stored
    /// with more before the limit existed can still lose tags.
    pub fn apply(current: &[String], add: &Self, remove: &Self) -> Result<Vec<String>, TagError> {
        let removed: HashSet<&str> = remove.0.iter().map(String::as_str).collect();
        let mut seen = HashSet::with_capacity(current.len() + add.0.len());
        let mut out = Vec::with_capacity(current.len() + add.0.len());
        for tag in current.iter().chain(&add.0) {
            if !removed.contains(tag.as_str()) && seen.insert(tag.as_str()) {
                out.push(tag.clone());
            }
        }
        if out.len() > MAX_TAGS && out.len() > current.len() {
            return Err(TagError::TooMany(out.len()));
        }
        Ok(out)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

fn check(index: usize, tag: &str) -> Result<&str, TagError> {
    // A character is at most 4 bytes: longer inputs are refused without
    // trimming or counting them.
    if tag.len() > 4 * MAX_TAG_CHARS + 64 {
        return Err(TagError::TooLong(index));
    }
    let tag = tag.trim();
    if tag.is_empty() {
        return Err(TagError::Empty(index));
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err(TagError::TooLong(index));
    }
    Ok(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> TagSet {
        TagSet::parse(list).expect("valid tags")
    }

    #[test]
    fn tags_are_trimmed_and_kept_once_in_their_first_order() {
        assert_eq!(
            tags(&["vip", "vip", " insurance ", "b", "vip"]).into_vec(),
            vec!["vip", "insurance", "b"]
        );
        assert_eq!(tags(&[]), TagSet::default());
    }

    #[test]
    fn empty_and_long_tags_are_refused_with_their_position() {
        assert_eq!(TagSet::parse(&["a", "  "]), Err(TagError::Empty(1)));
        let long = "x".repeat(MAX_TAG_CHARS + 1);
        assert_eq!(TagSet::parse(&["a", &long]), Err(TagError::TooLong(1)));
        let megabyte = "x".repeat(1 << 20);
        assert_eq!(TagSet::parse(&[&megabyte]), Err(TagError::TooLong(0)));
        // Characters, not bytes.
        let accents = "é".repeat(MAX_TAG_CHARS);
        assert_eq!(tags(&[&accents]).as_slice(), [accents]);
        let padded = format!("  {}  ", "x".repeat(MAX_TAG_CHARS));
        assert_eq!(tags(&[&padded]).as_slice(), ["x".repeat(MAX_TAG_CHARS)]);
    }

    #[test]
    fn too_many_tags_are_refused_before_being_read() {
        let many = vec![String::new(); 100_000];
        assert_eq!(TagSet::parse(&many), Err(TagError::TooMany(100_000)));
        let most: Vec<String> = (0..MAX_TAGS).map(|i| format!("t{i}")).collect();
        assert_eq!(
            tags(&most.iter().map(String::as_str).collect::<Vec<_>>())
                .as_slice()
                .len(),
            MAX_TAGS
        );
    }

    #[test]
    fn a_refused_list_is_a_field_error_keyed_tags() {
        let error = FieldError::from(TagSet::parse(&["a", ""]).expect_err("refused"));
        assert_eq!(
            error.row(3).under("input").into_parts(),
            (
                "input[3].tags".to_owned(),
                "a tag has 1 to 64 characters (tag 1 is empty)".to_owned()
            )
        );
    }

    #[test]
    fn apply_removes_then_adds_and_bounds_growth() {
        let current = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
        assert_eq!(
            TagSet::apply(&current, &tags(&["d", "a"]), &tags(&["b"])),
            Ok(vec!["a".to_owned(), "c".to_owned(), "d".to_owned()])
        );
        let full: Vec<String> = (0..MAX_TAGS).map(|i| format!("t{i}")).collect();
        assert_eq!(
            TagSet::apply(&full, &tags(&["new"]), &TagSet::default()),
            Err(TagError::TooMany(MAX_TAGS + 1))
        );
        let over: Vec<String> = (0..MAX_TAGS + 5).map(|i| format!("t{i}")).collect();
        assert_eq!(
            TagSet::apply(&over, &TagSet::default(), &tags(&["t0"])).map(|t| t.len()),
            Ok(MAX_TAGS + 4),
            "a lead stored over the limit can still lose tags"
        );
    }
}
