//! The mutation root: every area's mutations merged into `Mutation`.

/// Every write. Each mutation checks the member's role (FORBIDDEN when it is
/// too low), validates its input (BAD_USER_INPUT naming the field in
/// `extensions.field`), runs in one transaction and returns what it changed.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    crate::identity::IdentityMutations,
    crate::identity::TeamMutations,
    crate::leads::mutations::CrmMutations,
    crate::leads::follow_ups::FollowUpMutations,
    crate::leads::assignments::AssignmentMutations,
    crate::leads::scoring::ScoringMutations,
    crate::leads::sequences::SequenceMutations,
    crate::calls::CallMutations,
    crate::customers::CustomerMutations,
    crate::dialer::DialerMutations,
    crate::campaigns::CampaignMutations,
    crate::setup::SetupMutations,
    crate::setup::settings::SettingsMutations,
    crate::ledger::LedgerMutations,
    crate::setup::webhooks::WebhookMutations,
    crate::analytics::funnel::FunnelMutations,
    crate::analytics::targets::AnalyticsMutations,
);
