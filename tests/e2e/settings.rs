//! The organization's settings through `/graphql`, on both backends: the
//! defaults, who may change them, what is refused, the audit entry, and the
//! dial gate enforcing the organization's calling hours.

use serde_json::json;
use switchboard_tests::{Backend, Tenant, code, ok, on_both_backends, spawn_app};

on_both_backends!(
    admins_narrow_the_calling_hours_and_the_dial_gate_enforces_them,
    settings_refuse_what_the_law_or_their_type_forbids,
);

const SETTINGS: &str = "{ settings { callingHoursStart callingHoursEnd creditsPerMinute
    security { passwordMinLength maxLoginAttempts lockoutDurationMinutes sessionDurationHours passwordResetTokenExpiryHours } } }";
const UPDATE: &str = "mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) { callingHoursStart callingHoursEnd creditsPerMinute } }";
const ELIGIBLE: &str = "query($at: DateTime!) { dialEligibility(phoneNumber: \"+12125550100\", at: $at) { eligible reasons { code message } } }";

async fn admins_narrow_the_calling_hours_and_the_dial_gate_enforces_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let viewer = acme.token(acme.viewer);
    let read = app.graphql(Some(&viewer), SETTINGS, json!({})).await;
    let settings = &ok(&read)["settings"];
    assert_eq!(
        (
            &settings["callingHoursStart"],
            &settings["callingHoursEnd"],
            &settings["creditsPerMinute"]
        ),
        (&json!("08:00"), &json!("21:00"), &json!(1))
    );
    assert_eq!(settings["security"]["passwordMinLength"], 12);
    assert_eq!(settings["security"]["maxLoginAttempts"], 5);

    // 18:30 in New York (the organization's zone) is within the legal hours.
    let evening = json!({ "at": "2026-01-15T23:30:00Z" });
    let before = app.graphql(Some(&viewer), ELIGIBLE, evening.clone()).await;
    assert_eq!(ok(&before)["dialEligibility"]["eligible"], true, "{before}");

    let manager = app
        .graphql(
            Some(&acme.token(acme.manager)),
            UPDATE,
            json!({ "input": { "callingHoursEnd": "17:00" } }),
        )
        .await;
    assert_eq!(code(&manager), "FORBIDDEN");
    let admin = acme.token(acme.admin);
    let updated = app
        .graphql(
            Some(&admin),
            UPDATE,
            json!({ "input": { "callingHoursStart": "09:00", "callingHoursEnd": "17:00", "creditsPerMinute": 3 } }),
        )
        .await;
    assert_eq!(
        ok(&updated)["updateSettings"],
        json!({ "callingHoursStart": "09:00", "callingHoursEnd": "17:00", "creditsPerMinute": 3 })
    );
    let after = app.graphql(Some(&viewer), ELIGIBLE, evening).await;
    let answer = &ok(&after)["dialEligibility"];
    assert_eq!(answer["eligible"], false);
    assert_eq!(answer["reasons"][0]["code"], "OUTSIDE_CALLING_HOURS");
    assert!(
        answer["reasons"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("from 09:00 to 17:00")),
        "{answer}"
    );

    let log = app
        .graphql(
            Some(&admin),
            "{ adminAuditLog { nodes { action details } } }",
            json!({}),
        )
        .await;
    let entry = &ok(&log)["adminAuditLog"]["nodes"][0];
    assert_eq!(entry["action"], "settings.update");
    assert_eq!(entry["details"]["changed"]["calling_hours_end"], "17:00");
    assert_eq!(entry["details"]["before"]["calling_hours_end"], "21:00");
}

async fn settings_refuse_what_the_law_or_their_type_forbids(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let admin = acme.token(acme.admin);
    for (input, field) in [
        (
            json!({ "callingHoursEnd": "22:00" }),
            "input.callingHoursEnd",
        ),
        (
            json!({ "callingHoursStart": "07:30" }),
            "input.callingHoursStart",
        ),
        (
            json!({ "callingHoursStart": "25:00" }),
            "input.callingHoursStart",
        ),
        (
            json!({ "callingHoursStart": "18:00", "callingHoursEnd": "10:00" }),
            "input.callingHoursEnd",
        ),
        (json!({ "creditsPerMinute": -1 }), "input.creditsPerMinute"),
    ] {
        let refused = app
            .graphql(Some(&admin), UPDATE, json!({ "input": input }))
            .await;
        assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused}");
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], field,
            "{refused}"
        );
    }
    let unknown = app
        .graphql(
            Some(&admin),
            UPDATE,
            json!({ "input": { "maxLoginAttempts": 1 } }),
        )
        .await;
    assert!(
        unknown["errors"].is_array(),
        "an unknown setting is refused: {unknown}"
    );
    let read = app.graphql(Some(&admin), SETTINGS, json!({})).await;
    assert_eq!(
        ok(&read)["settings"]["callingHoursEnd"],
        "21:00",
        "nothing changed"
    );
}
