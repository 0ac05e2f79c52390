-- Money and rollups: the append-only credit ledger, per-agent and
-- per-organization daily analytics, and agent targets.

CREATE TABLE credit_transactions (
    id                   UUID PRIMARY KEY,
    organization_id      UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- Position in the organization's chain: row n's balance_before is row
    -- n-1's balance_after, and the unique key refuses a forked chain.
    sequence             BIGINT NOT NULL CHECK (sequence >= 1),
    kind                 TEXT NOT NULL CHECK (kind IN ('purchase', 'usage', 'bonus', 'adjustment', 'refund')),
    amount               BIGINT NOT NULL,
    balance_before       BIGINT NOT NULL,
    balance_after        BIGINT NOT NULL,
    -- The ledger is never edited, so a call with charges cannot be deleted.
    call_id              UUID REFERENCES calls (id) ON DELETE RESTRICT,
    refund_of_id         UUID REFERENCES credit_transactions (id) ON DELETE RESTRICT,
    description          TEXT,
    external_payment_id  TEXT,
    created_by           UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organization_id, sequence),
    CHECK (balance_after = balance_before + amount),
    CHECK (
        (kind IN ('purchase', 'bonus', 'refund') AND amount > 0)
        OR (kind = 'usage' AND amount <= 0)
        OR (kind = 'adjustment' AND amount <> 0)
    ),
    CHECK (kind <> 'usage' OR call_id IS NOT NULL),
    CHECK (kind <> 'refund' OR refund_of_id IS NOT NULL)
);
-- A call is charged exactly once; a payment is credited exactly once.
CREATE UNIQUE INDEX credit_transactions_usage_once ON credit_transactions (call_id) WHERE kind = 'usage';
CREATE UNIQUE INDEX credit_transactions_payment_once ON credit_transactions (organization_id, external_payment_id) WHERE external_payment_id IS NOT NULL;
CREATE UNIQUE INDEX credit_transactions_refund_once ON credit_transactions (refund_of_id) WHERE refund_of_id IS NOT NULL;
CREATE INDEX credit_transactions_org_created_idx ON credit_transactions (organization_id, created_at, id);

-- Counters and sums only: rates and averages are derived on read, so they can
-- never disagree with the counts they come from.
CREATE TABLE agent_analytics (
    id                      UUID PRIMARY KEY,
    organization_id         UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    agent_id                UUID NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    day                     DATE NOT NULL,
    total_calls             INTEGER NOT NULL DEFAULT 0 CHECK (total_calls >= 0),
    successful_calls        INTEGER NOT NULL DEFAULT 0 CHECK (successful_calls >= 0),
    failed_calls            INTEGER NOT NULL DEFAULT 0 CHECK (failed_calls >= 0),
    total_duration_seconds  BIGINT NOT NULL DEFAULT 0 CHECK (total_duration_seconds >= 0),
    total_billed_minutes    BIGINT NOT NULL DEFAULT 0 CHECK (total_billed_minutes >= 0),
    leads_generated         INTEGER NOT NULL DEFAULT 0 CHECK (leads_generated >= 0),
    qualified_leads         INTEGER NOT NULL DEFAULT 0 CHECK (qualified_leads >= 0),
    cta_pricing_clicks      INTEGER NOT NULL DEFAULT 0 CHECK (cta_pricing_clicks >= 0),
    cta_demo_clicks         INTEGER NOT NULL DEFAULT 0 CHECK (cta_demo_clicks >= 0),
    cta_followup_clicks     INTEGER NOT NULL DEFAULT 0 CHECK (cta_followup_clicks >= 0),
    cta_sample_clicks       INTEGER NOT NULL DEFAULT 0 CHECK (cta_sample_clicks >= 0),
    cta_human_escalations   INTEGER NOT NULL DEFAULT 0 CHECK (cta_human_escalations >= 0),
    calls_with_cta          INTEGER NOT NULL DEFAULT 0 CHECK (calls_with_cta >= 0),
    credits_used            BIGINT NOT NULL DEFAULT 0 CHECK (credits_used >= 0),
    analyzed_calls          INTEGER NOT NULL DEFAULT 0 CHECK (analyzed_calls >= 0),
    sum_intent_score        BIGINT NOT NULL DEFAULT 0 CHECK (sum_intent_score >= 0),
    sum_urgency_score       BIGINT NOT NULL DEFAULT 0 CHECK (sum_urgency_score >= 0),
    sum_budget_score        BIGINT NOT NULL DEFAULT 0 CHECK (sum_budget_score >= 0),
    sum_fit_score           BIGINT NOT NULL DEFAULT 0 CHECK (sum_fit_score >= 0),
    sum_engagement_score    BIGINT NOT NULL DEFAULT 0 CHECK (sum_engagement_score >= 0),
    sum_total_score         BIGINT NOT NULL DEFAULT 0 CHECK (sum_total_score >= 0),
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (agent_id, day),
    CHECK (successful_calls + failed_calls <= total_calls)
);
CREATE INDEX agent_analytics_org_day_idx ON agent_analytics (organization_id, day);

CREATE TABLE organization_analytics (
    id                      UUID PRIMARY KEY,
    organization_id         UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    day                     DATE NOT NULL,
    total_calls             INTEGER NOT NULL DEFAULT 0 CHECK (total_calls >= 0),
    successful_calls        INTEGER NOT NULL DEFAULT 0 CHECK (successful_calls >= 0),
    failed_calls            INTEGER NOT NULL DEFAULT 0 CHECK (failed_calls >= 0),
    answered_calls          INTEGER NOT NULL DEFAULT 0 CHECK (answered_calls >= 0),
    inbound_calls           INTEGER NOT NULL DEFAULT 0 CHECK (inbound_calls >= 0),
    outbound_calls          INTEGER NOT NULL DEFAULT 0 CHECK (outbound_calls >= 0),
    total_duration_seconds  BIGINT NOT NULL DEFAULT 0 CHECK (total_duration_seconds >= 0),
    total_billed_minutes    BIGINT NOT NULL DEFAULT 0 CHECK (total_billed_minutes >= 0),
    leads_generated         INTEGER NOT NULL DEFAULT 0 CHECK (leads_generated >= 0),
    qualified_leads         INTEGER NOT NULL DEFAULT 0 CHECK (qualified_leads >= 0),
    cta_pricing_clicks      INTEGER NOT NULL DEFAULT 0 CHECK (cta_pricing_clicks >= 0),
    cta_demo_clicks         INTEGER NOT NULL DEFAULT 0 CHECK (cta_demo_clicks >= 0),
    cta_followup_clicks     INTEGER NOT NULL DEFAULT 0 CHECK (cta_followup_clicks >= 0),
    cta_sample_clicks       INTEGER NOT NULL DEFAULT 0 CHECK (cta_sample_clicks >= 0),
    cta_human_escalations   INTEGER NOT NULL DEFAULT 0 CHECK (cta_human_escalations >= 0),
    calls_with_cta          INTEGER NOT NULL DEFAULT 0 CHECK (calls_with_cta >= 0),
    credits_used            BIGINT NOT NULL DEFAULT 0 CHECK (credits_used >= 0),
    analyzed_calls          INTEGER NOT NULL DEFAULT 0 CHECK (analyzed_calls >= 0),
    sum_intent_score        BIGINT NOT NULL DEFAULT 0 CHECK (sum_intent_score >= 0),
    sum_urgency_score       BIGINT NOT NULL DEFAULT 0 CHECK (sum_urgency_score >= 0),
    sum_budget_score        BIGINT NOT NULL DEFAULT 0 CHECK (sum_budget_score >= 0),
    sum_fit_score           BIGINT NOT NULL DEFAULT 0 CHECK (sum_fit_score >= 0),
    sum_engagement_score    BIGINT NOT NULL DEFAULT 0 CHECK (sum_engagement_score >= 0),
    sum_total_score         BIGINT NOT NULL DEFAULT 0 CHECK (sum_total_score >= 0),
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organization_id, day),
    CHECK (successful_calls + failed_calls <= total_calls),
    CHECK (inbound_calls + outbound_calls = total_calls)
);

-- Targets only: achievement is computed from agent_analytics on read.
CREATE TABLE agent_targets (
    id                      UUID PRIMARY KEY,
    organization_id         UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    agent_id                UUID NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    period                  TEXT NOT NULL CHECK (period IN ('daily', 'weekly', 'monthly')),
    period_start            DATE NOT NULL,
    target_calls            INTEGER CHECK (target_calls >= 0),
    target_success_rate     DOUBLE PRECISION CHECK (target_success_rate BETWEEN 0 AND 100),
    target_leads            INTEGER CHECK (target_leads >= 0),
    target_conversion_rate  DOUBLE PRECISION CHECK (target_conversion_rate BETWEEN 0 AND 100),
    created_by              UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (agent_id, period, period_start)
);
CREATE INDEX agent_targets_org_idx ON agent_targets (organization_id, period_start);
