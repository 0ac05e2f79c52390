//! Multi-row inserts sized to the backend's limit on bind parameters.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Iterable};

/// Bind parameters per statement: under PostgreSQL's 65,535 and SQLite's
/// 32,766.
const MAX_PARAMS: usize = 30_000;

/// Inserts `models` (all with the same columns set) in as few statements as
/// the parameter limit allows; returns the number of rows written.
pub async fn insert_all<A, C>(db: &C, models: Vec<A>) -> Result<u64, DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let Some(first) = models.first() else {
        return Ok(0);
    };
    let columns = <A::Entity as EntityTrait>::Column::iter()
        .filter(|column| !first.is_not_set(*column))
        .count()
        .max(1);
    let rows_per_statement = (MAX_PARAMS / columns).max(1);
    let mut written = 0;
    let mut models = models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<A> = models.by_ref().take(rows_per_statement).collect();
        written += <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(written)
}
