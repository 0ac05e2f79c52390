use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use switchboard_entity::enums::{CallOutcome, CallStatus, CrmStage, LeadStatus, TrafficSource};
use switchboard_entity::{calls, credit_transactions, leads, organizations, transcripts};
use switchboard_seed::{CALLS_PER_SCALE, LEADS_PER_SCALE};
use switchboard_tests::{Backend, TestDb, on_both_backends};

on_both_backends!(
    the_demo_covers_every_status_outcome_stage_and_source,
    the_demo_ledger_chains_and_matches_the_balance,
    loading_the_demo_twice_changes_nothing,
    scale_one_writes_the_promised_rows,
);

async fn the_demo_covers_every_status_outcome_stage_and_source(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let demo = switchboard_seed::demo(&test.db, chrono::Utc::now())
        .await
        .expect("demo loads");
    assert!(demo.created);

    let all_calls = calls::Entity::find().all(&test.db).await.expect("calls");
    let statuses: BTreeSet<_> = all_calls.iter().map(|c| c.status.as_str()).collect();
    let outcomes: BTreeSet<_> = all_calls
        .iter()
        .filter_map(|c| c.outcome)
        .map(CallOutcome::as_str)
        .collect();
    let stages: BTreeSet<_> = all_calls.iter().map(|c| c.crm_stage.as_str()).collect();
    let sources: BTreeSet<_> = all_calls
        .iter()
        .map(|c| c.traffic_source.as_str())
        .collect();
    assert_eq!(
        statuses,
        CallStatus::ALL.iter().map(|s| s.as_str()).collect()
    );
    assert_eq!(
        outcomes,
        CallOutcome::ALL.iter().map(|s| s.as_str()).collect()
    );
    assert_eq!(stages, CrmStage::ALL.iter().map(|s| s.as_str()).collect());
    assert_eq!(
        sources,
        TrafficSource::ALL.iter().map(|s| s.as_str()).collect()
    );

    let demo_leads = leads::Entity::find().all(&test.db).await.expect("leads");
    assert!(
        (250..=400).contains(&demo_leads.len()),
        "a few hundred leads: {}",
        demo_leads.len()
    );
    let lead_statuses: BTreeSet<_> = demo_leads.iter().map(|l| l.status.as_str()).collect();
    assert_eq!(
        lead_statuses,
        LeadStatus::ALL.iter().map(|s| s.as_str()).collect()
    );
    let oldest = all_calls.iter().map(|c| c.created_at).min().expect("calls");
    assert!(
        chrono::Utc::now() - oldest <= chrono::Duration::days(91),
        "calls span the last 90 days"
    );
    let held = all_calls
        .iter()
        .filter(|c| c.status == CallStatus::Completed)
        .count();
    let with_transcript = transcripts::Entity::find()
        .count(&test.db)
        .await
        .expect("count");
    assert!(
        with_transcript as usize >= held,
        "every held call has a transcript"
    );
}

async fn the_demo_ledger_chains_and_matches_the_balance(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let demo = switchboard_seed::demo(&test.db, chrono::Utc::now())
        .await
        .expect("demo loads");

    let ledger = credit_transactions::Entity::find()
        .filter(credit_transactions::Column::OrganizationId.eq(demo.organization_id))
        .order_by_asc(credit_transactions::Column::Sequence)
        .all(&test.db)
        .await
        .expect("ledger");
    assert!(ledger.len() > 2, "purchases and usage");
    assert_eq!(ledger[0].balance_before, 0);
    for pair in ledger.windows(2) {
        assert_eq!(
            pair[1].balance_before, pair[0].balance_after,
            "row {} chains",
            pair[1].sequence
        );
    }
    let org = organizations::Entity::find_by_id(demo.organization_id)
        .one(&test.db)
        .await
        .expect("org")
        .expect("exists");
    assert_eq!(
        org.credit_balance,
        ledger.last().expect("rows").balance_after
    );
    assert_eq!(
        org.credit_balance,
        ledger.iter().map(|t| t.amount).sum::<i64>()
    );
    let billed: i64 = calls::Entity::find()
        .all(&test.db)
        .await
        .expect("calls")
        .iter()
        .map(|c| c.credits_used)
        .sum();
    let usage: i64 = ledger
        .iter()
        .filter(|t| t.call_id.is_some())
        .map(|t| -t.amount)
        .sum();
    assert_eq!(usage, billed, "each billed call is debited once");
}

async fn loading_the_demo_twice_changes_nothing(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let first = switchboard_seed::demo(&test.db, chrono::Utc::now())
        .await
        .expect("demo loads");
    let leads_before = leads::Entity::find().count(&test.db).await.expect("count");

    let second = switchboard_seed::demo(&test.db, chrono::Utc::now())
        .await
        .expect("demo loads again");

    assert!(!second.created);
    assert_eq!(
        (second.organization_id, second.owner_id),
        (first.organization_id, first.owner_id)
    );
    assert_eq!(
        leads::Entity::find().count(&test.db).await.expect("count"),
        leads_before
    );
}

async fn scale_one_writes_the_promised_rows(backend: Backend) {
    let test = TestDb::migrated(backend).await;

    let summary = switchboard_seed::scale(&test.db, 1, 7, false)
        .await
        .expect("scale 1 loads");

    let org = summary.organization_id;
    let leads = leads::Entity::find()
        .filter(leads::Column::OrganizationId.eq(org))
        .count(&test.db)
        .await
        .expect("count");
    let calls = calls::Entity::find()
        .filter(calls::Column::OrganizationId.eq(org))
        .count(&test.db)
        .await
        .expect("count");
    let transcripts = transcripts::Entity::find()
        .filter(transcripts::Column::OrganizationId.eq(org))
        .count(&test.db)
        .await
        .expect("count");
    assert_eq!(
        (leads, calls, transcripts),
        (LEADS_PER_SCALE, CALLS_PER_SCALE, CALLS_PER_SCALE)
    );
    assert_eq!(
        (summary.leads, summary.calls, summary.transcripts),
        (leads, calls, transcripts)
    );
}
