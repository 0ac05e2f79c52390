//! The organization's live counters (`analyticsChanged`): read from the
//! calls table through indexes on (organization, status) and (organization,
//! ended_at), in the organization's own day.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QuerySelect,
};
use switchboard_domain::analytics::day_start;
use switchboard_entity::calls;
use switchboard_entity::enums::{CallStatus, CrmStage};
use uuid::Uuid;

/// The counters at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveCounters {
    pub calls_in_progress: i64,
    pub calls_ended_today: i64,
    pub completed_today: i64,
    /// Calls that ended today whose lead showed up (stage completed, closed
    /// won or lost).
    pub showed_today: i64,
    pub as_of: DateTime<Utc>,
}

impl LiveCounters {
    /// `showed / ended × 100`, to two decimals; `None` when nothing ended.
    pub fn show_rate_today(&self) -> Option<f64> {
        (self.calls_ended_today > 0).then(|| {
            (self.showed_today as f64 * 10_000.0 / self.calls_ended_today as f64).round() / 100.0
        })
    }
}

/// The start and end of the day containing `now` in `timezone`, in UTC.
pub fn day_bounds(timezone: Tz, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let date = now.with_timezone(&timezone).date_naive();
    let next = date.succ_opt().unwrap_or(date);
    (day_start(timezone, date), day_start(timezone, next))
}

#[derive(FromQueryResult)]
struct Bucket {
    status: CallStatus,
    crm_stage: CrmStage,
    count: i64,
}

/// Reads the counters of `organization_id` (whose calendar is `timezone`)
/// at `now`: two statements.
pub async fn counters(
    db: &impl sea_orm::ConnectionTrait,
    organization_id: Uuid,
    timezone: Tz,
    now: DateTime<Utc>,
) -> Result<LiveCounters, DbErr> {
    let (start, end) = day_bounds(timezone, now);
    let in_progress = calls::Entity::find()
        .filter(calls::Column::OrganizationId.eq(organization_id))
        .filter(calls::Column::Status.eq(CallStatus::InProgress))
        .count(db)
        .await?;
    let buckets = calls::Entity::find()
        .select_only()
        .column(calls::Column::Status)
        .column(calls::Column::CrmStage)
        .column_as(calls::Column::Id.count(), "count")
        .filter(calls::Column::OrganizationId.eq(organization_id))
        .filter(calls::Column::EndedAt.gte(start))
        .filter(calls::Column::EndedAt.lt(end))
        .group_by(calls::Column::Status)
        .group_by(calls::Column::CrmStage)
        .into_model::<Bucket>()
        .all(db)
        .await?;
    let mut counters = LiveCounters {
        calls_in_progress: i64::try_from(in_progress).unwrap_or(i64::MAX),
        calls_ended_today: 0,
        completed_today: 0,
        showed_today: 0,
        as_of: now,
    };
    for bucket in buckets {
        counters.calls_ended_today += bucket.count;
        if bucket.status == CallStatus::Completed {
            counters.completed_today += bucket.count;
        }
        if matches!(
            bucket.crm_stage,
            CrmStage::Completed | CrmStage::ClosedWon | CrmStage::Lost
        ) {
            counters.showed_today += bucket.count;
        }
    }
    Ok(counters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_day_is_bounded_by_local_midnights() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 3, 8, 15, 0, 0).unwrap();
        let (start, end) = day_bounds(tz, now);
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 3, 8, 5, 0, 0).unwrap());
        // The spring-forward day is 23 hours long.
        assert_eq!(end, Utc.with_ymd_and_hms(2026, 3, 9, 4, 0, 0).unwrap());
    }

    #[test]
    fn show_rate_is_null_when_nothing_ended() {
        let counters = LiveCounters {
            calls_in_progress: 2,
            calls_ended_today: 0,
            completed_today: 0,
            showed_today: 0,
            as_of: Utc::now(),
        };
        assert_eq!(counters.show_rate_today(), None);
        let counters = LiveCounters {
            calls_ended_today: 3,
            showed_today: 2,
            ..counters
        };
        assert_eq!(counters.show_rate_today(), Some(66.67));
    }
}
