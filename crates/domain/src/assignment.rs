//! Lead distribution (seed 001 story 3.3): who gets each lead under each
//! strategy, decided in memory from what the database said about the
//! leads and the eligible members, so every rule is tested here.
//!
//! - `MANUAL`: every lead to the one member named.
//! - `ROUND_ROBIN`: the eligible members in id order, each lead to the next
//!   one after the member the organization's previous round-robin
//!   assignment chose, so turns stay even across calls.
//! - `CAPACITY`: each lead to the member with the fewest open leads.
//! - `GEOGRAPHIC`: each lead to a member of the first territory that
//!   matches it (area code, then time zone, then country), the fewest open
//!   leads first.
//! - `SKILL_BASED`: hot and high-score leads (status hot, or a score of at
//!   least [`PRIORITY_SCORE`]) to the member with the best recent close
//!   rate, the rest to the member with the fewest open leads.
//!
//! Every strategy but `MANUAL` skips members at their capacity; a lead no
//! one can take stays with its owner, with the reason.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::json;
use switchboard_entity::enums::AssignmentStrategy;
use uuid::Uuid;

use crate::field::FieldError;

/// A score from which `SKILL_BASED` treats a lead as a priority.
pub const PRIORITY_SCORE: i32 = 70;
/// Most territories an organization defines.
pub const MAX_TERRITORIES: usize = 100;
/// Most values a list in the settings holds (members, codes, zones).
pub const MAX_LIST: usize = 500;

/// An organization's assignment settings: per-member capacities, who is
/// away, the territories and the rule applied to new leads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AssignmentSettings {
    /// Most open leads a member holds; absent: no limit.
    pub capacities: BTreeMap<Uuid, u32>,
    /// Members who take no new leads for now.
    pub away: BTreeSet<Uuid>,
    pub territories: Vec<Territory>,
    /// Applied to every lead created without an owner (API, imports,
    /// upserts, leads a call creates); none: new leads stay unassigned.
    pub rule: Option<AssignmentRule>,
}

/// A territory: which leads it covers and who works them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Territory {
    pub name: String,
    /// ISO 3166 regions of the lead's phone number, e.g. `US`.
    pub countries: Vec<String>,
    /// North American area codes of the lead's phone number, e.g. `512`.
    pub area_codes: Vec<String>,
    /// IANA time zones of the lead, e.g. `America/Chicago`.
    pub timezones: Vec<String>,
    pub member_ids: Vec<Uuid>,
}

/// The rule new leads are assigned by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentRule {
    pub strategy: AssignmentStrategy,
    /// The eligible members; empty: the organization's active agents.
    #[serde(default)]
    pub member_ids: Vec<Uuid>,
}

impl AssignmentSettings {
    /// Reads stored settings; what cannot be read counts as none.
    pub fn from_stored(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// Checks the settings' bounds, each refusal keyed by its field.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.territories.len() > MAX_TERRITORIES {
            return Err(FieldError::new(
                "territories",
                format!("at most {MAX_TERRITORIES} territories"),
            ));
        }
        for (i, territory) in self.territories.iter().enumerate() {
            let at = |field: &str| format!("territories[{i}].{field}");
            let name = territory.name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(FieldError::new(at("name"), "1 to 100 characters"));
            }
            for (field, list) in [
                ("countries", &territory.countries),
                ("areaCodes", &territory.area_codes),
                ("timezones", &territory.timezones),
            ] {
                if list.len() > MAX_LIST {
                    return Err(FieldError::new(at(field), format!("at most {MAX_LIST}")));
                }
            }
            if territory.member_ids.is_empty() || territory.member_ids.len() > MAX_LIST {
                return Err(FieldError::new(
                    at("memberIds"),
                    format!("1 to {MAX_LIST} members"),
                ));
            }
            if let Some(bad) = territory
                .countries
                .iter()
                .find(|c| c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_uppercase()))
            {
                return Err(FieldError::new(
                    at("countries"),
                    format!("`{bad}` is not a two-letter region such as US"),
                ));
            }
            if let Some(bad) = territory
                .area_codes
                .iter()
                .find(|c| c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_digit()))
            {
                return Err(FieldError::new(
                    at("areaCodes"),
                    format!("`{bad}` is not a three-digit area code"),
                ));
            }
            if let Some(bad) = territory
                .timezones
                .iter()
                .find(|z| z.parse::<chrono_tz::Tz>().is_err())
            {
                return Err(FieldError::new(
                    at("timezones"),
                    format!("`{bad}` is not an IANA time zone"),
                ));
            }
            if territory.countries.is_empty()
                && territory.area_codes.is_empty()
                && territory.timezones.is_empty()
            {
                return Err(FieldError::new(
                    at("countries"),
                    "a territory matches on at least one country, area code or time zone",
                ));
            }
        }
        if self.capacities.len() > MAX_LIST || self.away.len() > MAX_LIST {
            return Err(FieldError::new(
                "capacities",
                format!("at most {MAX_LIST} members"),
            ));
        }
        if let Some(rule) = &self.rule {
            if rule.member_ids.len() > MAX_LIST {
                return Err(FieldError::new(
                    "rule.memberIds",
                    format!("at most {MAX_LIST} members"),
                ));
            }
            if rule.strategy == AssignmentStrategy::Manual && rule.member_ids.len() != 1 {
                return Err(FieldError::new(
                    "rule.memberIds",
                    "MANUAL assigns to exactly one member",
                ));
            }
        }
        Ok(())
    }

    /// Every member the settings name, to check they belong to the organization.
    pub fn members(&self) -> BTreeSet<Uuid> {
        let mut all: BTreeSet<Uuid> = self.capacities.keys().copied().collect();
        all.extend(self.away.iter().copied());
        for territory in &self.territories {
            all.extend(territory.member_ids.iter().copied());
        }
        if let Some(rule) = &self.rule {
            all.extend(rule.member_ids.iter().copied());
        }
        all
    }
}

/// What a strategy knows of a lead.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadFacts {
    pub id: Uuid,
    pub owner: Option<Uuid>,
    pub score: i32,
    pub hot: bool,
    /// The phone number's region, e.g. `US`.
    pub country: Option<String>,
    /// The phone number's North American area code.
    pub area_code: Option<String>,
    pub timezone: Option<String>,
}

/// An eligible member, as a strategy weighs them.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub user_id: Uuid,
    /// Live leads they own that are not closed (recruited) or DNC.
    pub open_leads: i64,
    pub capacity: Option<u32>,
    /// Leads they owned that were created in the recent window, and how
    /// many of those became customers (recruited).
    pub recent_leads: i64,
    pub recent_closed: i64,
}

impl Candidate {
    fn has_room(&self) -> bool {
        self.capacity.is_none_or(|c| self.open_leads < i64::from(c))
    }

    /// Recent close rate, 0 to 1 (0 with no recent leads).
    pub fn close_rate(&self) -> f64 {
        if self.recent_leads == 0 {
            0.0
        } else {
            self.recent_closed as f64 / self.recent_leads as f64
        }
    }
}

/// Who gets one lead, and why.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// To `user_id`; `metadata` records what decided it.
    Assign {
        lead_id: Uuid,
        user_id: Uuid,
        metadata: serde_json::Value,
    },
    /// Nobody could take it.
    Skip { lead_id: Uuid, reason: String },
}

/// Decides each lead's member under `strategy`, in the leads' order (for
/// `SKILL_BASED`, priority leads first). `candidates` are the eligible
/// members (for `MANUAL`, exactly one); `last_round_robin` is the member the
/// organization's previous round-robin assignment chose.
pub fn decide(
    strategy: AssignmentStrategy,
    leads: &[LeadFacts],
    candidates: &[Candidate],
    last_round_robin: Option<Uuid>,
    territories: &[Territory],
) -> Vec<Decision> {
    let mut members: Vec<Candidate> = candidates.to_vec();
    members.sort_by_key(|c| c.user_id);
    let skip = |lead: &LeadFacts, reason: &str| Decision::Skip {
        lead_id: lead.id,
        reason: reason.to_owned(),
    };
    let full = "every eligible member is away or at capacity";
    let mut decisions = Vec::with_capacity(leads.len());
    match strategy {
        AssignmentStrategy::Manual => {
            for lead in leads {
                decisions.push(match members.first() {
                    Some(m) => assign(lead, m, json!({})),
                    None => skip(lead, full),
                });
            }
        }
        AssignmentStrategy::RoundRobin => {
            let n = members.len();
            let mut next = last_round_robin
                .and_then(|last| members.iter().position(|m| m.user_id > last))
                .unwrap_or(0);
            for lead in leads {
                let found = (0..n)
                    .map(|k| (next + k) % n)
                    .find(|&i| members[i].has_room());
                decisions.push(match found {
                    Some(i) => {
                        next = (i + 1) % n;
                        members[i].open_leads += 1;
                        assign(lead, &members[i], json!({ "turn": i + 1, "of": n }))
                    }
                    None => skip(lead, full),
                });
            }
        }
        AssignmentStrategy::Capacity => {
            for lead in leads {
                decisions.push(match fewest_open(&mut members, |_| true) {
                    Some(m) => {
                        let meta = json!({
                            "openLeads": m.open_leads - 1,
                            "capacity": m.capacity,
                        });
                        assign(lead, m, meta)
                    }
                    None => skip(lead, full),
                });
            }
        }
        AssignmentStrategy::Geographic => {
            for lead in leads {
                let Some((territory, matched_on)) = territory_of(lead, territories) else {
                    decisions.push(skip(lead, "no territory covers this lead"));
                    continue;
                };
                let chosen =
                    fewest_open(&mut members, |m| territory.member_ids.contains(&m.user_id));
                decisions.push(match chosen {
                    Some(m) => {
                        let meta = json!({
                            "territory": territory.name,
                            "matchedOn": matched_on,
                            "openLeads": m.open_leads - 1,
                        });
                        assign(lead, m, meta)
                    }
                    None => skip(lead, "every member of the territory is away or at capacity"),
                });
            }
        }
        AssignmentStrategy::SkillBased => {
            // Best close rate first; ties to the fewest open leads, then id.
            let mut ranked: Vec<usize> = (0..members.len()).collect();
            ranked.sort_by(|&a, &b| {
                members[b]
                    .close_rate()
                    .total_cmp(&members[a].close_rate())
                    .then(members[a].open_leads.cmp(&members[b].open_leads))
                    .then(members[a].user_id.cmp(&members[b].user_id))
            });
            let mut order: Vec<&LeadFacts> = leads.iter().collect();
            order.sort_by_key(|l| (!is_priority(l), std::cmp::Reverse(l.score)));
            for lead in order {
                let priority = is_priority(lead);
                let chosen = if priority {
                    ranked
                        .iter()
                        .position(|&i| members[i].has_room())
                        .map(|rank| (ranked[rank], Some(rank + 1)))
                } else {
                    let i = fewest_open_index(&members, |_| true);
                    i.map(|i| (i, ranked.iter().position(|&r| r == i).map(|r| r + 1)))
                };
                decisions.push(match chosen {
                    Some((i, rank)) => {
                        members[i].open_leads += 1;
                        let m = &members[i];
                        let meta = json!({
                            "priority": priority,
                            "rank": rank,
                            "closeRate": (m.close_rate() * 1000.0).round() / 1000.0,
                        });
                        assign(lead, m, meta)
                    }
                    None => skip(lead, full),
                });
            }
        }
    }
    decisions
}

fn is_priority(lead: &LeadFacts) -> bool {
    lead.hot || lead.score >= PRIORITY_SCORE
}

fn assign(lead: &LeadFacts, member: &Candidate, metadata: serde_json::Value) -> Decision {
    Decision::Assign {
        lead_id: lead.id,
        user_id: member.user_id,
        metadata,
    }
}

fn fewest_open_index(members: &[Candidate], allowed: impl Fn(&Candidate) -> bool) -> Option<usize> {
    members
        .iter()
        .enumerate()
        .filter(|(_, m)| allowed(m) && m.has_room())
        .min_by_key(|(_, m)| (m.open_leads, m.user_id))
        .map(|(i, _)| i)
}

/// The member with room and the fewest open leads (ties to the lowest
/// id), counted as holding one more.
fn fewest_open(
    members: &mut [Candidate],
    allowed: impl Fn(&Candidate) -> bool,
) -> Option<&Candidate> {
    let i = fewest_open_index(members, allowed)?;
    members[i].open_leads += 1;
    Some(&members[i])
}

/// The first territory covering `lead`, and what matched: its area code,
/// else its time zone, else its country.
pub fn territory_of<'a>(
    lead: &LeadFacts,
    territories: &'a [Territory],
) -> Option<(&'a Territory, &'static str)> {
    let by = |pick: fn(&Territory) -> &Vec<String>, value: &Option<String>| {
        let value = value.as_deref()?;
        territories
            .iter()
            .find(|t| pick(t).iter().any(|v| v.eq_ignore_ascii_case(value)))
    };
    by(|t| &t.area_codes, &lead.area_code)
        .map(|t| (t, "areaCode"))
        .or_else(|| by(|t| &t.timezones, &lead.timezone).map(|t| (t, "timezone")))
        .or_else(|| by(|t| &t.countries, &lead.country).map(|t| (t, "country")))
}

/// The region and, for North American numbers, the area code of an E.164
/// number.
pub fn geography_of(e164: &str) -> (Option<String>, Option<String>) {
    let Ok(number) = phonenumber::parse(None, e164) else {
        return (None, None);
    };
    let country = number
        .country()
        .id()
        .map(|id| AsRef::<str>::as_ref(&id).to_owned());
    let area = (number.code().value() == 1)
        .then(|| number.national().value().to_string())
        .filter(|n| n.len() == 10)
        .map(|n| n[..3].to_owned());
    (country, area)
}

#[cfg(test)]
mod tests;
