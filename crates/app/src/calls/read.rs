//! What clients read of calls: one call, its transcript and its AI
//! analysis, each as it is now; lists of calls filtered by a [`CallFilter`];
//! and transcripts found by their words. Always within the reader's
//! organization (a call of another organization reads as none).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use switchboard_entity::{calls, lead_analytics, transcripts};
use uuid::Uuid;

use crate::dialect;
use crate::error::{AppError, AppResult};
use crate::query::filter::{CallFilter, call_condition};
use crate::query::list::{Keyset, List};
use crate::query::page::{Cursor, Direction, Page, SortKey};

/// A call of the organization, if there is one.
pub async fn call(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    id: Uuid,
) -> AppResult<Option<calls::Model>> {
    Ok(calls::Entity::find_by_id(id)
        .filter(calls::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?)
}

/// The transcript of a call of the organization, if it has one.
pub async fn transcript(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    call_id: Uuid,
) -> AppResult<Option<transcripts::Model>> {
    Ok(transcripts::Entity::find()
        .filter(transcripts::Column::OrganizationId.eq(organization_id))
        .filter(transcripts::Column::CallId.eq(call_id))
        .one(db)
        .await?)
}

/// The AI analysis of a call of the organization, if it has one.
pub async fn analysis(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    call_id: Uuid,
) -> AppResult<Option<lead_analytics::Model>> {
    Ok(lead_analytics::Entity::find()
        .filter(lead_analytics::Column::OrganizationId.eq(organization_id))
        .filter(lead_analytics::Column::CallId.eq(call_id))
        .one(db)
        .await?)
}

/// The organization's calls matching `filter`; refused if the filter
/// breaks a bound.
pub fn calls(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    filter: &CallFilter,
) -> AppResult<List<calls::Entity>> {
    let condition = call_condition(db.get_database_backend(), organization_id, filter)?;
    Ok(List::new(calls::Entity::find().filter(condition)))
}

/// The order of a list of calls: by creation time, the id breaking ties.
pub fn call_keyset(direction: Direction) -> Keyset<calls::Column> {
    Keyset {
        sort: calls::Column::CreatedAt,
        id: calls::Column::Id,
        direction,
        tie_break: true,
        nullable: false,
    }
}

/// Where `call` stands in a list of calls.
pub fn call_cursor(call: &calls::Model) -> Cursor {
    Cursor {
        key: SortKey::Time(call.created_at),
        id: call.id,
    }
}

/// The longest search query, in characters: far beyond any phrase a
/// person searches for, and far below SQLite's limit on a `LIKE` pattern.
pub const MAX_SEARCH_CHARS: usize = 500;

/// A page of the organization's transcripts containing the words of
/// `query` ([`dialect::matches_words`]), newest first, one more row than
/// the page holds. A query without a word, or longer than
/// [`MAX_SEARCH_CHARS`], is refused, keyed `query`.
pub async fn search_transcripts(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    query: &str,
    page: &Page,
) -> AppResult<Vec<transcripts::Model>> {
    let length = query.chars().count();
    if length > MAX_SEARCH_CHARS {
        return Err(AppError::bad_input(
            "query",
            format!("at most {MAX_SEARCH_CHARS} characters, not {length}"),
        ));
    }
    if query.split_whitespace().next().is_none() {
        return Err(AppError::bad_input(
            "query",
            "give at least one word to search for",
        ));
    }
    page.require_keys_of(&transcripts::Column::CreatedAt, false)?;
    let content = Expr::col((transcripts::Entity, transcripts::Column::Content));
    let mut select = transcripts::Entity::find()
        .filter(transcripts::Column::OrganizationId.eq(organization_id))
        .filter(dialect::matches_words(
            db.get_database_backend(),
            content,
            query,
        ));
    if let Some(range) = page.range(
        (transcripts::Entity, transcripts::Column::CreatedAt),
        (transcripts::Entity, transcripts::Column::Id),
        Direction::Desc,
    ) {
        select = select.filter(range);
    }
    Ok(select
        .order_by_desc(transcripts::Column::CreatedAt)
        .order_by_desc(transcripts::Column::Id)
        .limit(page.size + 1)
        .all(db)
        .await?)
}

/// Where `transcript` stands in a search's results.
pub fn transcript_cursor(transcript: &transcripts::Model) -> Cursor {
    Cursor {
        key: SortKey::Time(transcript.created_at),
        id: transcript.id,
    }
}
