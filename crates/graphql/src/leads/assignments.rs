//! Lead distribution in GraphQL: `assignLeads`, and the organization's
//! assignment settings (capacities, who is away, territories and the rule
//! new leads are assigned by). Each translates to one
//! `switchboard_app::leads::assign` use case.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use std::collections::BTreeMap;

use crate::identity::client;
use crate::shared::context::{self, Permission, require};
use crate::shared::enums::AssignmentStrategy;
use crate::shared::error::{ApiError, ApiResult, UnderArgument, parse_id};
use crate::shared::filter::LeadFilter;
use crate::types::LeadAssignment;
use switchboard_app::leads::assign::{self as service, AssignLeads, SettingsChanges};
use switchboard_domain::assignment as rules;

fn ids(field: &str, ids: Vec<ID>) -> ApiResult<Vec<uuid::Uuid>> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| parse_id(&format!("{field}[{i}]"), id))
        .collect()
}

/// Leads to assign, and how.
#[derive(InputObject)]
pub struct AssignLeadsInput {
    /// These leads (at most 1,000); give this or `filter`.
    pub lead_ids: Option<Vec<ID>>,
    /// The leads this filter matches (at most 1,000); give this or `leadIds`.
    pub filter: Option<LeadFilter>,
    /// How each lead's new owner is chosen.
    pub strategy: AssignmentStrategy,
    /// The eligible members (exactly one for MANUAL); default the organization's active agents. Suspended and away members are skipped.
    pub member_ids: Option<Vec<ID>>,
}

/// A member's most open leads.
#[derive(InputObject, SimpleObject)]
#[graphql(input_name = "MemberCapacityInput")]
pub struct MemberCapacity {
    /// The member.
    pub user_id: ID,
    /// Most open (not recruited or DNC) leads they hold; 0 to 100,000.
    pub capacity: i32,
}

/// A territory: the leads it covers and who works them.
#[derive(InputObject, SimpleObject)]
#[graphql(input_name = "TerritoryInput")]
pub struct Territory {
    /// 1 to 100 characters.
    pub name: String,
    /// Two-letter regions of the lead's phone number, e.g. US.
    #[graphql(default)]
    pub countries: Vec<String>,
    /// North American area codes of the lead's phone number, e.g. 512.
    #[graphql(default)]
    pub area_codes: Vec<String>,
    /// IANA time zones of the lead, e.g. America/Chicago.
    #[graphql(default)]
    pub timezones: Vec<String>,
    /// Who works the territory (1 to 500 members).
    pub member_ids: Vec<ID>,
}

/// The rule every lead created without an owner is assigned by.
#[derive(InputObject, SimpleObject)]
#[graphql(input_name = "AssignmentRuleInput")]
pub struct AssignmentRule {
    /// The strategy.
    pub strategy: AssignmentStrategy,
    /// The eligible members (exactly one for MANUAL); empty: the organization's active agents.
    #[graphql(default)]
    pub member_ids: Vec<ID>,
}

/// Changes to the assignment settings: an omitted part stays as it is; a given list replaces the old one.
#[derive(InputObject)]
pub struct AssignmentSettingsInput {
    /// Per-member capacities (members not listed have no limit).
    pub capacities: Option<Vec<MemberCapacity>>,
    /// Members who take no new leads for now.
    pub away: Option<Vec<ID>>,
    /// The territories GEOGRAPHIC assigns by, first match wins (at most 100).
    pub territories: Option<Vec<Territory>>,
    /// The rule new leads are assigned by.
    pub rule: Option<AssignmentRule>,
    /// True: new leads stay unassigned (removes the rule).
    #[graphql(default)]
    pub clear_rule: bool,
}

/// How leads are distributed in the organization.
#[derive(SimpleObject)]
pub struct AssignmentSettings {
    /// Per-member capacities.
    pub capacities: Vec<MemberCapacity>,
    /// Members who take no new leads for now.
    pub away: Vec<ID>,
    /// The territories, in the order they are matched.
    pub territories: Vec<Territory>,
    /// The rule new leads are assigned by; null: they stay unassigned.
    pub rule: Option<AssignmentRule>,
}

fn id(uuid: uuid::Uuid) -> ID {
    ID(uuid.to_string())
}

impl From<rules::AssignmentSettings> for AssignmentSettings {
    fn from(s: rules::AssignmentSettings) -> Self {
        Self {
            capacities: s
                .capacities
                .into_iter()
                .map(|(user, capacity)| MemberCapacity {
                    user_id: id(user),
                    capacity: i32::try_from(capacity).unwrap_or(i32::MAX),
                })
                .collect(),
            away: s.away.into_iter().map(id).collect(),
            territories: s
                .territories
                .into_iter()
                .map(|t| Territory {
                    name: t.name,
                    countries: t.countries,
                    area_codes: t.area_codes,
                    timezones: t.timezones,
                    member_ids: t.member_ids.into_iter().map(id).collect(),
                })
                .collect(),
            rule: s.rule.map(|r| AssignmentRule {
                strategy: r.strategy.into(),
                member_ids: r.member_ids.into_iter().map(id).collect(),
            }),
        }
    }
}

/// The most a capacity may be.
const MAX_CAPACITY: i32 = 100_000;

impl AssignmentSettingsInput {
    fn parse(self) -> ApiResult<SettingsChanges> {
        let capacities = self
            .capacities
            .map(|list| {
                if list.len() > rules::MAX_LIST {
                    return Err(ApiError::bad_input("capacities", "at most 500 members"));
                }
                let mut map = BTreeMap::new();
                for (i, c) in list.into_iter().enumerate() {
                    if !(0..=MAX_CAPACITY).contains(&c.capacity) {
                        return Err(ApiError::bad_input(
                            format!("capacities[{i}].capacity"),
                            format!("from 0 to {MAX_CAPACITY}"),
                        ));
                    }
                    let user = parse_id(&format!("capacities[{i}].userId"), &c.user_id)?;
                    map.insert(user, c.capacity.unsigned_abs());
                }
                Ok(map)
            })
            .transpose()?;
        let away = self.away.map(|a| ids("away", a)).transpose()?;
        let territories = self
            .territories
            .map(|list| {
                list.into_iter()
                    .enumerate()
                    .map(|(i, t)| {
                        Ok(rules::Territory {
                            name: t.name.trim().to_owned(),
                            countries: t
                                .countries
                                .iter()
                                .map(|c| c.trim().to_uppercase())
                                .collect(),
                            area_codes: t.area_codes.iter().map(|c| c.trim().to_owned()).collect(),
                            timezones: t.timezones.iter().map(|z| z.trim().to_owned()).collect(),
                            member_ids: ids(&format!("territories[{i}].memberIds"), t.member_ids)?,
                        })
                    })
                    .collect::<ApiResult<Vec<_>>>()
            })
            .transpose()?;
        let rule = match (self.clear_rule, self.rule) {
            (true, Some(_)) => {
                return Err(ApiError::bad_input(
                    "clearRule",
                    "give `rule` or `clearRule`, not both",
                ));
            }
            (true, None) => Some(None),
            (false, Some(r)) => Some(Some(rules::AssignmentRule {
                strategy: r.strategy.into(),
                member_ids: ids("rule.memberIds", r.member_ids)?,
            })),
            (false, None) => None,
        };
        Ok(SettingsChanges {
            capacities,
            away,
            territories,
            rule,
        })
    }
}

/// Assignment queries.
#[derive(Default)]
pub struct AssignmentQueries;

#[Object]
impl AssignmentQueries {
    /// How leads are distributed in the organization.
    async fn assignment_settings(&self, ctx: &Context<'_>) -> ApiResult<AssignmentSettings> {
        let viewer = require(ctx, Permission::Read)?;
        let settings = service::settings(context::db(ctx)?, viewer.organization_id).await?;
        Ok(settings.into())
    }
}

/// Assignment mutations (managers and above).
#[derive(Default)]
pub struct AssignmentMutations;

#[Object]
impl AssignmentMutations {
    /// Assigns leads by a strategy and returns one assignment per lead whose owner changed (each with the metadata that decided it). Leads nobody eligible can take keep their owner.
    async fn assign_leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which leads, how, and among whom.")] input: AssignLeadsInput,
    ) -> ApiResult<Vec<LeadAssignment>> {
        let viewer = require(ctx, Permission::Manage)?;
        let filter = input
            .filter
            .map(|f| f.to_ast())
            .transpose()
            .under("input")?;
        let request = AssignLeads {
            lead_ids: input
                .lead_ids
                .map(|l| ids("input.leadIds", l))
                .transpose()?,
            filter,
            strategy: input.strategy.into(),
            member_ids: input
                .member_ids
                .map(|m| ids("input.memberIds", m))
                .transpose()?,
        };
        let rows = service::assign_leads(context::app(ctx)?, viewer, &client(ctx), request)
            .await
            .under("input")?;
        Ok(rows.into_iter().map(LeadAssignment::new).collect())
    }

    /// Changes how leads are distributed: capacities, who is away, territories and the rule for new leads.
    async fn update_assignment_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The parts to change.")] input: AssignmentSettingsInput,
    ) -> ApiResult<AssignmentSettings> {
        let viewer = require(ctx, Permission::Manage)?;
        let changes = input.parse().under("input")?;
        let settings = service::update_settings(context::app(ctx)?, viewer, &client(ctx), changes)
            .await
            .under("input")?;
        Ok(settings.into())
    }
}
