use super::*;

fn user(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn member(n: u128, open: i64, capacity: Option<u32>) -> Candidate {
    Candidate {
        user_id: user(n),
        open_leads: open,
        capacity,
        recent_leads: 0,
        recent_closed: 0,
    }
}

fn lead(n: u128) -> LeadFacts {
    LeadFacts {
        id: Uuid::from_u128(1000 + n),
        owner: None,
        score: 0,
        hot: false,
        country: Some("US".into()),
        area_code: None,
        timezone: None,
    }
}

fn chosen(decisions: &[Decision]) -> Vec<Option<u128>> {
    decisions
        .iter()
        .map(|d| match d {
            Decision::Assign { user_id, .. } => Some(user_id.as_u128()),
            Decision::Skip { .. } => None,
        })
        .collect()
}

#[test]
fn round_robin_continues_after_the_last_member_chosen_and_wraps() {
    let members = [member(3, 0, None), member(1, 0, None), member(2, 0, None)];
    let leads: Vec<_> = (0..5).map(lead).collect();
    let first = decide(AssignmentStrategy::RoundRobin, &leads, &members, None, &[]);
    assert_eq!(
        chosen(&first),
        [Some(1), Some(2), Some(3), Some(1), Some(2)]
    );
    // The next call starts after member 2, whoever was last.
    let next = decide(
        AssignmentStrategy::RoundRobin,
        &leads[..2],
        &members,
        Some(user(2)),
        &[],
    );
    assert_eq!(chosen(&next), [Some(3), Some(1)]);
    // A last member no longer eligible: the next id after theirs.
    let gone = decide(
        AssignmentStrategy::RoundRobin,
        &leads[..1],
        &members,
        Some(user(9)),
        &[],
    );
    assert_eq!(chosen(&gone), [Some(1)]);
}

#[test]
fn round_robin_skips_full_members_and_skips_leads_when_all_are_full() {
    let members = [member(1, 1, Some(1)), member(2, 0, Some(1))];
    let leads: Vec<_> = (0..2).map(lead).collect();
    let decisions = decide(AssignmentStrategy::RoundRobin, &leads, &members, None, &[]);
    assert_eq!(chosen(&decisions), [Some(2), None]);
}

#[test]
fn capacity_gives_each_lead_to_the_member_with_fewest_open_leads() {
    // Open leads 4, 1 and 2 (member 3 takes at most 3).
    let members = [
        member(1, 4, None),
        member(2, 1, None),
        member(3, 2, Some(3)),
    ];
    let leads: Vec<_> = (0..5).map(lead).collect();
    let decisions = decide(AssignmentStrategy::Capacity, &leads, &members, None, &[]);
    // 2 (1→2), 2 and 3 tie at 2 → lower id 2 (2→3), 3 (2→3), 2 and 3 at 3,
    // 3 is full → 2 (3→4), then 1 and 2 at 4 → 1.
    assert_eq!(
        chosen(&decisions),
        [Some(2), Some(2), Some(3), Some(2), Some(1)]
    );
    let Decision::Assign { metadata, .. } = &decisions[2] else {
        panic!("assigned")
    };
    assert_eq!(metadata, &json!({ "openLeads": 2, "capacity": 3 }));
}

#[test]
fn geographic_matches_area_code_before_time_zone_before_country() {
    let texas = Territory {
        name: "Texas".into(),
        area_codes: vec!["512".into()],
        member_ids: vec![user(1)],
        ..Territory::default()
    };
    let central = Territory {
        name: "Central".into(),
        timezones: vec!["America/Chicago".into()],
        member_ids: vec![user(2)],
        ..Territory::default()
    };
    let us = Territory {
        name: "US".into(),
        countries: vec!["US".into()],
        member_ids: vec![user(3)],
        ..Territory::default()
    };
    let territories = [us, central, texas];
    let members = [member(1, 0, None), member(2, 0, None), member(3, 0, None)];
    let mut austin = lead(1);
    austin.area_code = Some("512".into());
    austin.timezone = Some("America/Chicago".into());
    let mut chicago = lead(2);
    chicago.timezone = Some("America/Chicago".into());
    let boston = lead(3);
    let mut paris = lead(4);
    paris.country = Some("FR".into());
    let decisions = decide(
        AssignmentStrategy::Geographic,
        &[austin, chicago, boston, paris],
        &members,
        None,
        &territories,
    );
    assert_eq!(chosen(&decisions), [Some(1), Some(2), Some(3), None]);
    let Decision::Assign { metadata, .. } = &decisions[0] else {
        panic!("assigned")
    };
    assert_eq!(metadata["territory"], "Texas");
    assert_eq!(metadata["matchedOn"], "areaCode");
    assert!(matches!(&decisions[3], Decision::Skip { reason, .. } if reason.contains("territory")));
}

#[test]
fn skill_based_gives_priority_leads_to_the_best_closer_and_the_rest_by_load() {
    let mut closer = member(1, 5, Some(6));
    closer.recent_leads = 10;
    closer.recent_closed = 4;
    let mut average = member(2, 3, None);
    average.recent_leads = 10;
    average.recent_closed = 2;
    let newcomer = member(3, 0, None);
    let mut hot = lead(1);
    hot.hot = true;
    let mut high = lead(2);
    high.score = 90;
    let cold = lead(3);
    // Priority leads first: the 90 (not hot) and the hot one are both
    // priorities; hot sorts by score (0), so the 90 goes first to the
    // closer (5→6, now full), the hot one to the next best (2). The cold
    // lead goes to the least loaded (3).
    let decisions = decide(
        AssignmentStrategy::SkillBased,
        &[cold, hot, high],
        &[newcomer, average, closer],
        None,
        &[],
    );
    let by_lead: BTreeMap<u128, Option<u128>> = decisions
        .iter()
        .map(|d| match d {
            Decision::Assign {
                lead_id, user_id, ..
            } => (lead_id.as_u128() - 1000, Some(user_id.as_u128())),
            Decision::Skip { lead_id, .. } => (lead_id.as_u128() - 1000, None),
        })
        .collect();
    assert_eq!(by_lead[&2], Some(1));
    assert_eq!(by_lead[&1], Some(2));
    assert_eq!(by_lead[&3], Some(3));
    let Decision::Assign { metadata, .. } = &decisions[0] else {
        panic!("assigned")
    };
    assert_eq!(
        metadata,
        &json!({ "priority": true, "rank": 1, "closeRate": 0.4 })
    );
}

#[test]
fn manual_gives_every_lead_to_the_one_member() {
    let decisions = decide(
        AssignmentStrategy::Manual,
        &[lead(1), lead(2)],
        &[member(7, 100, Some(1))],
        None,
        &[],
    );
    assert_eq!(chosen(&decisions), [Some(7), Some(7)]);
}

#[test]
fn settings_refuse_bad_territories_and_a_manual_rule_without_one_member() {
    let mut settings = AssignmentSettings::default();
    settings.territories.push(Territory {
        name: "Nowhere".into(),
        member_ids: vec![user(1)],
        ..Territory::default()
    });
    assert_eq!(
        settings.validate().unwrap_err().field(),
        "territories[0].countries"
    );
    settings.territories[0].area_codes = vec!["51".into()];
    assert_eq!(
        settings.validate().unwrap_err().field(),
        "territories[0].areaCodes"
    );
    settings.territories[0].area_codes = vec!["512".into()];
    settings.territories[0].timezones = vec!["Mars/Base".into()];
    assert_eq!(
        settings.validate().unwrap_err().field(),
        "territories[0].timezones"
    );
    settings.territories[0].timezones.clear();
    assert!(settings.validate().is_ok());
    settings.rule = Some(AssignmentRule {
        strategy: AssignmentStrategy::Manual,
        member_ids: vec![],
    });
    assert_eq!(settings.validate().unwrap_err().field(), "rule.memberIds");
}

#[test]
fn stored_settings_round_trip_and_garbage_reads_as_none() {
    let mut settings = AssignmentSettings::default();
    settings.capacities.insert(user(1), 25);
    settings.rule = Some(AssignmentRule {
        strategy: AssignmentStrategy::RoundRobin,
        member_ids: vec![user(1), user(2)],
    });
    let text = serde_json::to_string(&settings).expect("json");
    assert_eq!(AssignmentSettings::from_stored(&text), settings);
    assert_eq!(
        AssignmentSettings::from_stored("{nope"),
        AssignmentSettings::default()
    );
}

#[test]
fn a_north_american_number_has_an_area_code_and_others_a_region_only() {
    assert_eq!(
        geography_of("+15125550100"),
        (Some("US".into()), Some("512".into()))
    );
    assert_eq!(geography_of("+33612345678"), (Some("FR".into()), None));
    assert_eq!(geography_of("garbage"), (None, None));
}
