//! The database itself refuses bad rows, on both backends: for every table at
//! least one row that breaks a rule is rejected with the expected kind of
//! violation, and the same row with the rule kept is accepted (so the
//! rejection is for the reason named, not another).

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DbErr, Value};
use serde_json::json;
use switchboard_tests::{Backend, TestDb, on_both_backends};
use uuid::Uuid;

on_both_backends!(
    every_table_rejects_a_row_that_breaks_its_rules,
    a_lead_phone_is_unique_per_organization_among_live_leads,
    an_active_phone_number_is_unique_but_history_is_kept,
    deleting_a_lead_cascades_to_its_history_but_calls_outlive_their_agent,
);

#[derive(Debug, PartialEq, Eq)]
enum Violation {
    Check,
    Unique,
    ForeignKey,
}

type Row = Vec<(&'static str, Value)>;

fn time(text: &str) -> chrono::NaiveTime {
    chrono::NaiveTime::parse_from_str(text, "%H:%M:%S").expect("a time")
}

fn v<T: Into<Value>>(value: T) -> Value {
    value.into()
}

async fn insert(db: &TestDb, table: &str, row: &Row) -> Result<(), DbErr> {
    let mut query = Query::insert();
    query
        .into_table(Alias::new(table))
        .columns(row.iter().map(|(column, _)| Alias::new(*column)))
        .values(row.iter().map(|(_, value)| Expr::val(value.clone())))
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    db.db.execute(&query).await.map(|_| ())
}

fn violation(err: &DbErr) -> Option<Violation> {
    let text = err.to_string().to_lowercase();
    if text.contains("check constraint") {
        Some(Violation::Check)
    } else if text.contains("unique") || text.contains("duplicate key") {
        Some(Violation::Unique)
    } else if text.contains("foreign key") {
        Some(Violation::ForeignKey)
    } else {
        None
    }
}

fn with(row: &Row, column: &str, value: Value) -> Row {
    let mut row: Row = row.iter().filter(|(c, _)| *c != column).cloned().collect();
    row.retain(|(c, _)| *c != "id");
    let column: &'static str = Box::leak(column.to_owned().into_boxed_str());
    row.push(("id", v(Uuid::now_v7())));
    row.push((column, value));
    row
}

fn fresh(row: &Row) -> Row {
    let mut row: Row = row.iter().filter(|(c, _)| *c != "id").cloned().collect();
    row.push(("id", v(Uuid::now_v7())));
    row
}

/// `row` with `column` set to `bad` is refused as `expected`; `row` itself is accepted.
async fn rejects(
    db: &TestDb,
    table: &str,
    row: Row,
    column: &str,
    bad: Value,
    expected: Violation,
) {
    let bad_row = with(&row, column, bad);
    let err = insert(db, table, &bad_row)
        .await
        .expect_err(&format!("{table}.{column}: a bad value must be refused"));
    assert_eq!(violation(&err), Some(expected), "{table}.{column}: {err}");
    insert(db, table, &fresh(&row))
        .await
        .unwrap_or_else(|e| panic!("{table}: the good row must be accepted: {e}"));
}

/// `row` is accepted once, and refused as a duplicate the second time.
async fn rejects_duplicate(db: &TestDb, table: &str, row: Row) {
    insert(db, table, &fresh(&row))
        .await
        .unwrap_or_else(|e| panic!("{table}: first row: {e}"));
    let err = insert(db, table, &fresh(&row))
        .await
        .expect_err(&format!("{table}: a duplicate must be refused"));
    assert_eq!(violation(&err), Some(Violation::Unique), "{table}: {err}");
}

struct Fixture {
    org: Uuid,
    other_org: Uuid,
    user: Uuid,
    agent: Uuid,
    lead: Uuid,
    call: Uuid,
    customer: Uuid,
    sequence: Uuid,
}

async fn fixture(db: &TestDb) -> Fixture {
    let f = Fixture {
        org: Uuid::now_v7(),
        other_org: Uuid::now_v7(),
        user: Uuid::now_v7(),
        agent: Uuid::now_v7(),
        lead: Uuid::now_v7(),
        call: Uuid::now_v7(),
        customer: Uuid::now_v7(),
        sequence: Uuid::now_v7(),
    };
    let rows: Vec<(&str, Row)> = vec![
        (
            "organizations",
            vec![("id", v(f.org)), ("name", v("Acme")), ("slug", v("acme"))],
        ),
        (
            "organizations",
            vec![
                ("id", v(f.other_org)),
                ("name", v("Other")),
                ("slug", v("other")),
            ],
        ),
        (
            "users",
            vec![("id", v(f.user)), ("email", v("ann@acme.test"))],
        ),
        (
            "agents",
            vec![
                ("id", v(f.agent)),
                ("organization_id", v(f.org)),
                ("provider", v("vapi")),
                ("external_agent_id", v("asst_1")),
                ("name", v("Ava")),
            ],
        ),
        (
            "leads",
            vec![
                ("id", v(f.lead)),
                ("organization_id", v(f.org)),
                ("phone_number", v("+14155550100")),
            ],
        ),
        (
            "calls",
            vec![
                ("id", v(f.call)),
                ("organization_id", v(f.org)),
                ("lead_id", v(f.lead)),
                ("agent_id", v(f.agent)),
            ],
        ),
        (
            "customers",
            vec![
                ("id", v(f.customer)),
                ("organization_id", v(f.org)),
                ("customer_reference_number", v("CUST-2026-0001")),
                ("name", v("Ann")),
            ],
        ),
        (
            "nurture_sequences",
            vec![
                ("id", v(f.sequence)),
                ("organization_id", v(f.org)),
                ("name", v("Warm-up")),
            ],
        ),
    ];
    for (table, row) in rows {
        insert(db, table, &row)
            .await
            .unwrap_or_else(|e| panic!("fixture {table}: {e}"));
    }
    f
}

async fn every_table_rejects_a_row_that_breaks_its_rules(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let db = &test;
    let f = fixture(db).await;
    let today = Utc::now().date_naive();
    let month = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");

    // Identity and tenancy.
    rejects(
        db,
        "organizations",
        vec![("name", v("Beta")), ("slug", v("beta"))],
        "name",
        v(""),
        Violation::Check,
    )
    .await;
    rejects_duplicate(
        db,
        "organizations",
        vec![("name", v("Gamma")), ("slug", v("gamma"))],
    )
    .await;
    rejects(
        db,
        "users",
        vec![("email", v("bob@acme.test"))],
        "role",
        v("god"),
        Violation::Check,
    )
    .await;
    insert(
        db,
        "users",
        &vec![("id", v(Uuid::now_v7())), ("email", v("CaSe@acme.test"))],
    )
    .await
    .expect("first");
    let err = insert(
        db,
        "users",
        &vec![("id", v(Uuid::now_v7())), ("email", v("case@ACME.test"))],
    )
    .await
    .expect_err("email is unique case-insensitively");
    assert_eq!(violation(&err), Some(Violation::Unique));
    let member = vec![
        ("organization_id", v(f.org)),
        ("user_id", v(f.user)),
        ("role", v("agent")),
    ];
    rejects(
        db,
        "organization_memberships",
        member.clone(),
        "role",
        v("superuser"),
        Violation::Check,
    )
    .await;
    let err = insert(db, "organization_memberships", &fresh(&member))
        .await
        .expect_err("one membership per user");
    assert_eq!(violation(&err), Some(Violation::Unique));
    let session = vec![
        ("user_id", v(f.user)),
        ("token_hash", v(Uuid::now_v7().to_string())),
        ("expires_at", v(Utc::now())),
    ];
    rejects(
        db,
        "user_sessions",
        session,
        "user_id",
        v(Uuid::now_v7()),
        Violation::ForeignKey,
    )
    .await;
    rejects(
        db,
        "login_attempts",
        vec![
            ("email", v("x@y.z")),
            ("success", v(false)),
            ("failure_reason", v("bad_password")),
        ],
        "failure_reason",
        Value::String(None),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "password_reset_attempts",
        vec![("email", v("x@y.z")), ("user_id", v(f.user))],
        "user_id",
        v(Uuid::now_v7()),
        Violation::ForeignKey,
    )
    .await;
    rejects(
        db,
        "admin_audit_log",
        vec![
            ("organization_id", v(f.org)),
            ("action", v("login")),
            ("resource_type", v("user")),
        ],
        "action",
        v(""),
        Violation::Check,
    )
    .await;
    rejects_duplicate(
        db,
        "system_config",
        vec![
            ("organization_id", v(f.org)),
            ("key", v("credits_per_minute")),
            ("value", v("2")),
        ],
    )
    .await;
    rejects_duplicate(
        db,
        "system_config",
        vec![("key", v("credits_per_minute")), ("value", v("1"))],
    )
    .await;

    // Calling.
    rejects(
        db,
        "agents",
        vec![
            ("organization_id", v(f.org)),
            ("provider", v("retell")),
            ("external_agent_id", v("a2")),
            ("name", v("Rex")),
        ],
        "provider",
        v("bland"),
        Violation::Check,
    )
    .await;
    let number = vec![
        ("organization_id", v(f.org)),
        ("name", v("Main")),
        ("phone_number", v("+14155550199")),
    ];
    rejects(
        db,
        "phone_numbers",
        number,
        "phone_number",
        v("555-0199"),
        Violation::Check,
    )
    .await;
    let window = |start: &str, end: &str| {
        vec![
            ("organization_id", v(f.org)),
            ("name", v(format!("Window {start}"))),
            ("calling_window_start", v(time(start))),
            ("calling_window_end", v(time(end))),
        ]
    };
    let err = insert(db, "campaigns", &fresh(&window("21:00:00", "09:00:00")))
        .await
        .expect_err("a window must end after it starts");
    assert_eq!(violation(&err), Some(Violation::Check));
    insert(db, "campaigns", &fresh(&window("09:00:00", "21:00:00")))
        .await
        .expect("a proper window");
    rejects(
        db,
        "campaigns",
        vec![("organization_id", v(f.org)), ("name", v("Spring"))],
        "status",
        v("running"),
        Violation::Check,
    )
    .await;
    let lead = |phone: &str| {
        vec![
            ("organization_id", v(f.org)),
            ("phone_number", v(phone.to_owned())),
        ]
    };
    rejects(
        db,
        "leads",
        lead("+14155550101"),
        "lead_score",
        v(101),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "leads",
        lead("+14155550102"),
        "status",
        v("won"),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "leads",
        lead("+14155550103"),
        "phone_number",
        v("4155550103"),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "leads",
        lead("+14155550104"),
        "tags",
        v(json!({"not": "an array"})),
        Violation::Check,
    )
    .await;
    let call = vec![("organization_id", v(f.org)), ("lead_id", v(f.lead))];
    rejects(
        db,
        "calls",
        call.clone(),
        "call_quality",
        v(6),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "calls",
        call.clone(),
        "ai_confidence",
        v(1.5),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "calls",
        call.clone(),
        "status",
        v("done"),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "calls",
        call.clone(),
        "cost_cents",
        v(-1_i64),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "calls",
        call.clone(),
        "traffic_source",
        v("tiktok"),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "calls",
        call,
        "lead_id",
        v(Uuid::now_v7()),
        Violation::ForeignKey,
    )
    .await;
    let event = vec![
        ("organization_id", v(f.org)),
        ("call_id", v(f.call)),
        ("kind", v("provider_event")),
        ("source", v("vapi")),
        ("provider_event_id", v("evt_1")),
    ];
    rejects(
        db,
        "call_events",
        event.clone(),
        "kind",
        v("poke"),
        Violation::Check,
    )
    .await;
    let err = insert(db, "call_events", &fresh(&event))
        .await
        .expect_err("a provider event is stored once");
    assert_eq!(violation(&err), Some(Violation::Unique));
    rejects_duplicate(
        db,
        "transcripts",
        vec![
            ("organization_id", v(f.org)),
            ("call_id", v(f.call)),
            ("content", v("Hello")),
        ],
    )
    .await;
    rejects(
        db,
        "lead_analytics",
        vec![("organization_id", v(f.org)), ("call_id", v(f.call))],
        "intent_score",
        v(150),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "follow_ups",
        vec![
            ("organization_id", v(f.org)),
            ("lead_id", v(f.lead)),
            ("follow_up_date", v(today)),
        ],
        "status",
        v("done"),
        Violation::Check,
    )
    .await;

    // CRM.
    rejects(
        db,
        "lead_audit_log",
        vec![
            ("organization_id", v(f.org)),
            ("lead_id", v(f.lead)),
            ("action", v("create")),
        ],
        "lead_id",
        v(Uuid::now_v7()),
        Violation::ForeignKey,
    )
    .await;
    rejects(
        db,
        "nurture_sequences",
        vec![("organization_id", v(f.org)), ("name", v("Second"))],
        "steps",
        v(json!({"step": 1})),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "lead_sequence_enrollments",
        vec![
            ("organization_id", v(f.org)),
            ("lead_id", v(f.lead)),
            ("sequence_id", v(f.sequence)),
        ],
        "status",
        v("running"),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "lead_status_history",
        vec![
            ("organization_id", v(f.org)),
            ("lead_id", v(f.lead)),
            ("from_status", v("new")),
            ("to_status", v("contacted")),
            ("trigger_type", v("call")),
        ],
        "trigger_type",
        v("magic"),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "lead_score_history",
        vec![
            ("organization_id", v(f.org)),
            ("lead_id", v(f.lead)),
            ("new_score", v(40)),
            ("trigger_type", v("ai")),
        ],
        "new_score",
        v(-1),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "lead_assignments",
        vec![
            ("organization_id", v(f.org)),
            ("lead_id", v(f.lead)),
            ("to_user_id", v(f.user)),
            ("strategy", v("round_robin")),
        ],
        "strategy",
        v("random"),
        Violation::Check,
    )
    .await;
    rejects_duplicate(
        db,
        "dnc_list",
        vec![
            ("organization_id", v(f.org)),
            ("phone_number", v("+14155550177")),
        ],
    )
    .await;
    rejects(
        db,
        "lead_source_costs",
        vec![
            ("organization_id", v(f.org)),
            ("source", v("facebook")),
            ("month", v(month)),
            ("cost_cents", v(10_000_i64)),
        ],
        "cost_cents",
        v(-100_i64),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "segments",
        vec![("organization_id", v(f.org)), ("name", v("Hot"))],
        "lead_count",
        v(-1),
        Violation::Check,
    )
    .await;

    // Customers.
    let customer = |n: u32| {
        vec![
            ("organization_id", v(f.org)),
            ("customer_reference_number", v(format!("CUST-2026-{n:04}"))),
            ("name", v("Bo")),
            ("rfm_recency", v(5)),
            ("rfm_frequency", v(4)),
            ("rfm_monetary", v(3)),
            ("lead_score", v(24)),
        ]
    };
    rejects(
        db,
        "customers",
        customer(2),
        "rfm_recency",
        v(6),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "customers",
        customer(3),
        "lead_score",
        v(25),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "orders",
        vec![
            ("organization_id", v(f.org)),
            ("customer_id", v(f.customer)),
            ("order_number", v("O-1")),
            ("total_cents", v(1000_i64)),
            ("ordered_at", v(Utc::now())),
        ],
        "total_cents",
        v(-1_i64),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "messages",
        vec![
            ("organization_id", v(f.org)),
            ("customer_id", v(f.customer)),
            ("channel", v("sms")),
            ("direction", v("outbound")),
            ("body", v("Hi")),
            ("sent_at", v(Utc::now())),
        ],
        "channel",
        v("fax"),
        Violation::Check,
    )
    .await;
    rejects(
        db,
        "deals",
        vec![
            ("organization_id", v(f.org)),
            ("customer_id", v(f.customer)),
            ("title", v("Implants")),
        ],
        "probability",
        v(101),
        Violation::Check,
    )
    .await;

    // Money and analytics.
    let usage = vec![
        ("organization_id", v(f.org)),
        ("sequence", v(1_i64)),
        ("kind", v("usage")),
        ("amount", v(-3_i64)),
        ("balance_before", v(10_i64)),
        ("balance_after", v(7_i64)),
        ("call_id", v(f.call)),
    ];
    rejects(
        db,
        "credit_transactions",
        usage.clone(),
        "balance_after",
        v(8_i64),
        Violation::Check,
    )
    .await;
    let mut second_charge = fresh(&usage);
    second_charge.retain(|(c, _)| *c != "sequence");
    second_charge.push(("sequence", v(2_i64)));
    let err = insert(db, "credit_transactions", &second_charge)
        .await
        .expect_err("a call is charged once");
    assert_eq!(violation(&err), Some(Violation::Unique));
    rejects(
        db,
        "agent_analytics",
        vec![
            ("organization_id", v(f.org)),
            ("agent_id", v(f.agent)),
            ("day", v(today)),
        ],
        "total_calls",
        v(-1),
        Violation::Check,
    )
    .await;
    rejects_duplicate(
        db,
        "organization_analytics",
        vec![("organization_id", v(f.org)), ("day", v(today))],
    )
    .await;
    rejects(
        db,
        "agent_targets",
        vec![
            ("organization_id", v(f.org)),
            ("agent_id", v(f.agent)),
            ("period", v("weekly")),
            ("period_start", v(today)),
        ],
        "period",
        v("yearly"),
        Violation::Check,
    )
    .await;
}

async fn a_lead_phone_is_unique_per_organization_among_live_leads(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let f = fixture(&test).await;
    let phone = "+14155550100"; // the fixture's lead has it
    let lead = |org: Uuid| {
        vec![
            ("id", v(Uuid::now_v7())),
            ("organization_id", v(org)),
            ("phone_number", v(phone)),
        ]
    };

    let err = insert(&test, "leads", &lead(f.org))
        .await
        .expect_err("same phone, same organization");
    assert_eq!(violation(&err), Some(Violation::Unique));

    insert(&test, "leads", &lead(f.other_org))
        .await
        .expect("same phone in another organization");

    test.db
        .execute_unprepared(&format!(
            "UPDATE leads SET deleted_at = CURRENT_TIMESTAMP WHERE organization_id = {} AND phone_number = '{phone}'",
            uuid_literal(backend, f.org)
        ))
        .await
        .expect("soft delete");
    insert(&test, "leads", &lead(f.org))
        .await
        .expect("a soft-deleted lead frees its number");
}

async fn an_active_phone_number_is_unique_but_history_is_kept(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let f = fixture(&test).await;
    let number = |active: bool| {
        vec![
            ("id", v(Uuid::now_v7())),
            ("organization_id", v(f.org)),
            ("name", v("Line")),
            ("phone_number", v("+14155550150")),
            ("is_active", v(active)),
        ]
    };

    insert(&test, "phone_numbers", &number(false))
        .await
        .expect("a retired number");
    insert(&test, "phone_numbers", &number(false))
        .await
        .expect("retired twice");
    insert(&test, "phone_numbers", &number(true))
        .await
        .expect("one active");
    let err = insert(&test, "phone_numbers", &number(true))
        .await
        .expect_err("a second active copy");
    assert_eq!(violation(&err), Some(Violation::Unique));
}

async fn deleting_a_lead_cascades_to_its_history_but_calls_outlive_their_agent(backend: Backend) {
    let test = TestDb::migrated(backend).await;
    let f = fixture(&test).await;
    let org = v(f.org);
    insert(
        &test,
        "lead_status_history",
        &vec![
            ("id", v(Uuid::now_v7())),
            ("organization_id", org.clone()),
            ("lead_id", v(f.lead)),
            ("to_status", v("contacted")),
            ("trigger_type", v("call")),
        ],
    )
    .await
    .expect("history");
    insert(
        &test,
        "lead_audit_log",
        &vec![
            ("id", v(Uuid::now_v7())),
            ("organization_id", org),
            ("lead_id", v(f.lead)),
            ("action", v("create")),
        ],
    )
    .await
    .expect("audit");

    let lit = |id| uuid_literal(backend, id);
    test.db
        .execute_unprepared(&format!("DELETE FROM agents WHERE id = {}", lit(f.agent)))
        .await
        .expect("agent deleted");
    let agent_of_call = count(
        &test,
        &format!(
            "SELECT COUNT(*) AS n FROM calls WHERE id = {} AND agent_id IS NULL",
            lit(f.call)
        ),
    )
    .await;
    assert_eq!(agent_of_call, 1, "the call stays, without its agent");

    test.db
        .execute_unprepared(&format!("DELETE FROM leads WHERE id = {}", lit(f.lead)))
        .await
        .expect("lead deleted");
    for table in ["lead_status_history", "lead_audit_log"] {
        let left = count(
            &test,
            &format!(
                "SELECT COUNT(*) AS n FROM {table} WHERE lead_id = {}",
                lit(f.lead)
            ),
        )
        .await;
        assert_eq!(left, 0, "{table} goes with its lead");
    }
    let call_left = count(
        &test,
        &format!(
            "SELECT COUNT(*) AS n FROM calls WHERE id = {} AND lead_id IS NULL",
            lit(f.call)
        ),
    )
    .await;
    assert_eq!(call_left, 1, "the call stays, without its lead");
}

/// A UUID as a SQL literal: SQLite stores UUIDs as 16-byte blobs.
fn uuid_literal(backend: Backend, id: Uuid) -> String {
    match backend {
        Backend::Postgres => format!("'{id}'"),
        Backend::Sqlite => format!("X'{}'", id.simple()),
    }
}

async fn count(test: &TestDb, sql: &str) -> i64 {
    test.rows(sql).await[0].try_get("", "n").expect("count")
}
