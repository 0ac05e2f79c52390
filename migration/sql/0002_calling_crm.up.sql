-- Calling and CRM: agents, numbers, campaigns, leads, calls and everything
-- hanging off them (seeds 000, 001, 003, 004).

CREATE TABLE agents (
    id                  UUID PRIMARY KEY,
    organization_id     UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_by          UUID REFERENCES users (id) ON DELETE SET NULL,
    provider            TEXT NOT NULL CHECK (provider IN ('vapi', 'elevenlabs', 'retell', 'other')),
    external_agent_id   TEXT NOT NULL CHECK (length(external_agent_id) > 0),
    name                TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    agent_type          TEXT NOT NULL DEFAULT 'call' CHECK (agent_type IN ('call', 'chat')),
    description         TEXT,
    is_active           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organization_id, provider, external_agent_id)
);

CREATE TABLE phone_numbers (
    id                        UUID PRIMARY KEY,
    organization_id           UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                      TEXT NOT NULL,
    phone_number              TEXT NOT NULL CHECK (E164(phone_number)),
    provider                  TEXT NOT NULL DEFAULT 'twilio' CHECK (provider IN ('vapi', 'elevenlabs', 'retell', 'twilio', 'other')),
    provider_phone_number_id  TEXT UNIQUE,
    assigned_to_user_id       UUID REFERENCES users (id) ON DELETE SET NULL,
    created_by                UUID REFERENCES users (id) ON DELETE SET NULL,
    is_active                 BOOLEAN NOT NULL DEFAULT TRUE,
    created_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- A number can be live in one place only; deactivated rows keep their history.
CREATE UNIQUE INDEX phone_numbers_active_key ON phone_numbers (phone_number) WHERE is_active;
CREATE INDEX phone_numbers_org_idx ON phone_numbers (organization_id, is_active);

CREATE TABLE campaigns (
    id                    UUID PRIMARY KEY,
    organization_id       UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                  TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description           TEXT,
    call_type             TEXT NOT NULL DEFAULT 'outbound_campaign' CHECK (call_type IN ('inbound', 'outbound_lead', 'outbound_debt', 'outbound_followup', 'outbound_campaign', 'outbound_other')),
    agent_id              UUID REFERENCES agents (id) ON DELETE SET NULL,
    phone_number_id       UUID REFERENCES phone_numbers (id) ON DELETE SET NULL,
    status                TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'completed')),
    calling_window_start  TIME,
    calling_window_end    TIME,
    timezone              TEXT,
    starts_at             TIMESTAMPTZ,
    ends_at               TIMESTAMPTZ,
    created_by            UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organization_id, name),
    CHECK ((calling_window_start IS NULL) = (calling_window_end IS NULL)),
    CHECK (calling_window_start IS NULL OR calling_window_start < calling_window_end),
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX campaigns_agent_idx ON campaigns (agent_id);

-- Seed 001's leads with seed 004's contacts folded in. Tags are a JSON array
-- (JSONB + GIN on PostgreSQL, JSON text on SQLite) so that one entity type
-- serves both backends.
CREATE TABLE leads (
    id                         UUID PRIMARY KEY,
    organization_id            UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    owner_user_id              UUID REFERENCES users (id) ON DELETE SET NULL,
    first_name                 TEXT,
    last_name                  TEXT,
    phone_number               TEXT NOT NULL CHECK (E164(phone_number)),
    email                      TEXT,
    company                    TEXT,
    status                     TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'contacted', 'qualified', 'nurturing', 'hot', 'cold', 'recruited', 'dnc')),
    lead_score                 INTEGER NOT NULL DEFAULT 0 CHECK (lead_score BETWEEN 0 AND 100),
    tags                       JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tags) = 'array'),
    source                     TEXT,
    sub_source                 TEXT,
    source_metadata            JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(source_metadata) = 'object'),
    notes                      TEXT,
    timezone                   TEXT,
    last_contact_at            TIMESTAMPTZ,
    is_auto_created            BOOLEAN NOT NULL DEFAULT FALSE,
    auto_created_from_call_id  UUID FK_LEAD_AUTO_CREATED_CALL,
    deleted_at                 TIMESTAMPTZ,
    created_at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                 TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One live lead per phone per organization; a soft-deleted lead frees its number.
CREATE UNIQUE INDEX leads_org_phone_live_key ON leads (organization_id, phone_number) WHERE deleted_at IS NULL;
CREATE INDEX leads_org_created_live_idx ON leads (organization_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_org_status_live_idx ON leads (organization_id, status) WHERE deleted_at IS NULL;
CREATE INDEX leads_org_score_live_idx ON leads (organization_id, lead_score) WHERE deleted_at IS NULL;
CREATE INDEX leads_org_source_idx ON leads (organization_id, source, sub_source) WHERE deleted_at IS NULL;
CREATE INDEX leads_org_last_contact_idx ON leads (organization_id, last_contact_at) WHERE deleted_at IS NULL;
CREATE INDEX leads_owner_idx ON leads (owner_user_id) WHERE deleted_at IS NULL;
CREATE INDEX leads_org_email_idx ON leads (organization_id, lower(email)) WHERE deleted_at IS NULL;
-- @postgres
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX leads_tags_gin_idx ON leads USING GIN (tags) WHERE deleted_at IS NULL;
CREATE INDEX leads_name_trgm_idx ON leads USING GIN ((coalesce(first_name, '') || ' ' || coalesce(last_name, '')) gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX leads_email_trgm_idx ON leads USING GIN (email gin_trgm_ops) WHERE deleted_at IS NULL;
-- @end

CREATE TABLE calls (
    id                          UUID PRIMARY KEY,
    organization_id             UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lead_id                     UUID REFERENCES leads (id) ON DELETE SET NULL,
    -- Calls keep their history when an agent, campaign, number or user goes.
    agent_id                    UUID REFERENCES agents (id) ON DELETE SET NULL,
    campaign_id                 UUID REFERENCES campaigns (id) ON DELETE SET NULL,
    from_phone_number_id        UUID REFERENCES phone_numbers (id) ON DELETE SET NULL,
    user_id                     UUID REFERENCES users (id) ON DELETE SET NULL,
    provider                    TEXT CHECK (provider IN ('vapi', 'elevenlabs', 'retell', 'twilio', 'other')),
    provider_call_id            TEXT,
    phone_number                TEXT CHECK (E164(phone_number)),
    caller_name                 TEXT,
    caller_email                TEXT,
    call_type                   TEXT NOT NULL DEFAULT 'outbound_lead' CHECK (call_type IN ('inbound', 'outbound_lead', 'outbound_debt', 'outbound_followup', 'outbound_campaign', 'outbound_other')),
    call_source                 TEXT NOT NULL DEFAULT 'unknown' CHECK (call_source IN ('phone', 'internet', 'unknown')),
    status                      TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'queued', 'ringing', 'in_progress', 'completed', 'no_show', 'missed', 'voicemail', 'failed', 'cancelled')),
    outcome                     TEXT CHECK (outcome IN ('booked', 'transferred', 'insurance_inquiry', 'payment_plan', 'information', 'voicemail', 'no_answer', 'busy', 'failed', 'other')),
    crm_stage                   TEXT NOT NULL DEFAULT 'scheduled' CHECK (crm_stage IN ('scheduled', 'in_progress', 'completed', 'no_show', 'closed_won', 'lost')),
    traffic_source              TEXT NOT NULL DEFAULT 'organic' CHECK (traffic_source IN ('organic', 'meta')),
    source_of_set_appointment   TEXT CHECK (source_of_set_appointment IN ('sdr_booked_call', 'non_sdr_booked_call', 'vsl', 'email', 'self_booking')),
    lead_source                 TEXT,
    scheduled_at                TIMESTAMPTZ,
    started_at                  TIMESTAMPTZ,
    ended_at                    TIMESTAMPTZ,
    duration_seconds            INTEGER CHECK (duration_seconds >= 0),
    billed_minutes              INTEGER CHECK (billed_minutes >= 0),
    credits_used                BIGINT NOT NULL DEFAULT 0 CHECK (credits_used >= 0),
    cost_cents                  BIGINT NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
    recording_url               TEXT,
    summary                     TEXT,
    purpose                     TEXT,
    notes                       TEXT,
    ended_reason                TEXT,
    insurance_verified          BOOLEAN NOT NULL DEFAULT FALSE,
    insurance_provider          TEXT,
    payment_plan_discussed      BOOLEAN NOT NULL DEFAULT FALSE,
    payment_plan_amount_cents   BIGINT CHECK (payment_plan_amount_cents >= 0),
    collection_attempt          BOOLEAN NOT NULL DEFAULT FALSE,
    collection_amount_cents     BIGINT CHECK (collection_amount_cents >= 0),
    collection_success          BOOLEAN NOT NULL DEFAULT FALSE,
    transferred_to_staff        BOOLEAN NOT NULL DEFAULT FALSE,
    transferred_to              TEXT,
    follow_up_required          BOOLEAN NOT NULL DEFAULT FALSE,
    follow_up_date              TIMESTAMPTZ,
    call_quality                INTEGER CHECK (call_quality BETWEEN 1 AND 5),
    customer_sentiment          TEXT CHECK (customer_sentiment IN ('positive', 'neutral', 'negative')),
    ai_confidence               DOUBLE PRECISION CHECK (ai_confidence BETWEEN 0 AND 1),
    metadata                    JSONB NOT NULL DEFAULT '{}',
    created_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (provider, provider_call_id),
    CHECK (ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at),
    CHECK (billed_minutes IS NULL OR duration_seconds IS NULL OR billed_minutes * 60 >= duration_seconds)
);
-- @postgres
ALTER TABLE leads ADD CONSTRAINT leads_auto_created_from_call_id_fkey
    FOREIGN KEY (auto_created_from_call_id) REFERENCES calls (id) ON DELETE SET NULL;
-- @end
-- Seed 000's analytics indexes, scoped by organization (workspace_id there).
CREATE INDEX idx_calls_traffic_source_stage ON calls (traffic_source, crm_stage);
CREATE INDEX idx_calls_org_traffic_source ON calls (organization_id, traffic_source);
CREATE INDEX idx_calls_org_crm_stage ON calls (organization_id, crm_stage);
CREATE INDEX idx_calls_org_traffic_stage ON calls (organization_id, traffic_source, crm_stage);
CREATE INDEX idx_calls_created_traffic_source ON calls (created_at, traffic_source);
CREATE INDEX idx_calls_org_created_traffic ON calls (organization_id, created_at, traffic_source);
-- Seed 003's, scoped by organization.
CREATE INDEX idx_calls_org_call_type ON calls (organization_id, call_type);
CREATE INDEX idx_calls_org_outcome ON calls (organization_id, outcome);
CREATE INDEX idx_calls_org_status ON calls (organization_id, status);
CREATE INDEX idx_calls_campaign ON calls (campaign_id, created_at);
CREATE INDEX idx_calls_org_scheduled ON calls (organization_id, scheduled_at) WHERE scheduled_at IS NOT NULL;
-- Relations and keyset pagination.
CREATE INDEX idx_calls_lead_created ON calls (lead_id, created_at, id);
CREATE INDEX idx_calls_agent_created ON calls (agent_id, created_at, id);
CREATE INDEX idx_calls_org_created_id ON calls (organization_id, created_at, id);

-- Append-only log of status changes and provider events.
CREATE TABLE call_events (
    id                 UUID PRIMARY KEY,
    organization_id    UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    call_id            UUID NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    kind               TEXT NOT NULL CHECK (kind IN ('created', 'status_changed', 'outcome_recorded', 'transcript_attached', 'analysis_recorded', 'provider_event')),
    from_status        TEXT CHECK (from_status IN ('scheduled', 'queued', 'ringing', 'in_progress', 'completed', 'no_show', 'missed', 'voicemail', 'failed', 'cancelled')),
    to_status          TEXT CHECK (to_status IN ('scheduled', 'queued', 'ringing', 'in_progress', 'completed', 'no_show', 'missed', 'voicemail', 'failed', 'cancelled')),
    source             TEXT NOT NULL CHECK (source IN ('api', 'system', 'vapi', 'elevenlabs', 'retell', 'twilio')),
    provider_event_id  TEXT,
    payload            JSONB NOT NULL DEFAULT '{}',
    actor_user_id      UUID REFERENCES users (id) ON DELETE SET NULL,
    occurred_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- A provider's event is stored once, however often it is delivered.
    UNIQUE (source, provider_event_id),
    CHECK (kind <> 'status_changed' OR to_status IS NOT NULL)
);
CREATE INDEX call_events_call_idx ON call_events (call_id, occurred_at);
CREATE INDEX call_events_org_idx ON call_events (organization_id, created_at, id);

CREATE TABLE transcripts (
    id                UUID PRIMARY KEY,
    organization_id   UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    call_id           UUID NOT NULL UNIQUE REFERENCES calls (id) ON DELETE CASCADE,
    content           TEXT NOT NULL,
    speaker_segments  JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(speaker_segments) = 'array'),
    language          TEXT NOT NULL DEFAULT 'en',
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- @postgres
CREATE INDEX transcripts_content_fts_idx ON transcripts USING GIN (to_tsvector('english', content));
-- @end
CREATE INDEX transcripts_org_idx ON transcripts (organization_id);

-- One AI analysis per call (seed 004), with agent_call_outcomes folded in.
CREATE TABLE lead_analytics (
    id                      UUID PRIMARY KEY,
    organization_id         UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    call_id                 UUID NOT NULL UNIQUE REFERENCES calls (id) ON DELETE CASCADE,
    lead_id                 UUID REFERENCES leads (id) ON DELETE SET NULL,
    intent_level            TEXT CHECK (intent_level IN ('low', 'medium', 'high')),
    intent_score            INTEGER CHECK (intent_score BETWEEN 0 AND 100),
    urgency_level           TEXT CHECK (urgency_level IN ('low', 'medium', 'high')),
    urgency_score           INTEGER CHECK (urgency_score BETWEEN 0 AND 100),
    budget_constraint       TEXT CHECK (budget_constraint IN ('low', 'medium', 'high')),
    budget_score            INTEGER CHECK (budget_score BETWEEN 0 AND 100),
    fit_alignment           TEXT CHECK (fit_alignment IN ('low', 'medium', 'high')),
    fit_score               INTEGER CHECK (fit_score BETWEEN 0 AND 100),
    engagement_health       TEXT CHECK (engagement_health IN ('low', 'medium', 'high')),
    engagement_score        INTEGER CHECK (engagement_score BETWEEN 0 AND 100),
    total_score             INTEGER CHECK (total_score BETWEEN 0 AND 100),
    lead_status_tag         TEXT,
    reasoning               JSONB NOT NULL DEFAULT '{}',
    cta_interactions        JSONB NOT NULL DEFAULT '{}',
    company_name            TEXT,
    extracted_name          TEXT,
    extracted_email         TEXT,
    cta_pricing_clicked     BOOLEAN NOT NULL DEFAULT FALSE,
    cta_demo_clicked        BOOLEAN NOT NULL DEFAULT FALSE,
    cta_followup_clicked    BOOLEAN NOT NULL DEFAULT FALSE,
    cta_sample_clicked      BOOLEAN NOT NULL DEFAULT FALSE,
    cta_escalated_to_human  BOOLEAN NOT NULL DEFAULT FALSE,
    demo_scheduled_at       TIMESTAMPTZ,
    is_read                 BOOLEAN NOT NULL DEFAULT FALSE,
    is_qualified            BOOLEAN NOT NULL DEFAULT FALSE,
    lead_temperature        TEXT CHECK (lead_temperature IN ('hot', 'warm', 'cold', 'not_interested')),
    sentiment_score         DOUBLE PRECISION CHECK (sentiment_score BETWEEN -1 AND 1),
    key_topics              JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(key_topics) = 'array'),
    objections_raised       JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(objections_raised) = 'array'),
    next_steps              TEXT,
    call_quality_score      DOUBLE PRECISION CHECK (call_quality_score BETWEEN 1 AND 10),
    customer_satisfaction   DOUBLE PRECISION CHECK (customer_satisfaction BETWEEN 1 AND 10),
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX lead_analytics_lead_idx ON lead_analytics (lead_id);
CREATE INDEX lead_analytics_org_unread_idx ON lead_analytics (organization_id, created_at) WHERE NOT is_read;

CREATE TABLE follow_ups (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lead_id          UUID REFERENCES leads (id) ON DELETE CASCADE,
    call_id          UUID REFERENCES calls (id) ON DELETE SET NULL,
    lead_phone       TEXT,
    lead_email       TEXT,
    lead_name        TEXT,
    user_id          UUID REFERENCES users (id) ON DELETE SET NULL,
    follow_up_date   DATE NOT NULL,
    remark           TEXT,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'cancelled')),
    created_by       UUID REFERENCES users (id) ON DELETE SET NULL,
    completed_at     TIMESTAMPTZ,
    completed_by     UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (lead_id IS NOT NULL OR lead_phone IS NOT NULL),
    CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX follow_ups_lead_idx ON follow_ups (lead_id, follow_up_date);
CREATE INDEX follow_ups_org_pending_idx ON follow_ups (organization_id, follow_up_date) WHERE status = 'pending';

CREATE TABLE lead_audit_log (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lead_id          UUID NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    user_id          UUID REFERENCES users (id) ON DELETE SET NULL,
    action           TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore')),
    field_name       TEXT,
    old_value        JSONB,
    new_value        JSONB,
    change_reason    TEXT,
    ip_address       TEXT,
    user_agent       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (action <> 'update' OR field_name IS NOT NULL)
);
CREATE INDEX lead_audit_log_lead_idx ON lead_audit_log (lead_id, created_at);

CREATE TABLE nurture_sequences (
    id                  UUID PRIMARY KEY,
    organization_id     UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description         TEXT,
    steps               JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(steps) = 'array'),
    trigger_conditions  JSONB NOT NULL DEFAULT '{}',
    is_active           BOOLEAN NOT NULL DEFAULT TRUE,
    created_by          UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organization_id, name)
);

CREATE TABLE lead_sequence_enrollments (
    id                UUID PRIMARY KEY,
    organization_id   UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lead_id           UUID NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    sequence_id       UUID NOT NULL REFERENCES nurture_sequences (id) ON DELETE CASCADE,
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'completed', 'cancelled', 'failed')),
    current_step      INTEGER NOT NULL DEFAULT 0 CHECK (current_step >= 0),
    next_step_at      TIMESTAMPTZ,
    executed_steps    JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(executed_steps) = 'array'),
    enrolled_by       UUID REFERENCES users (id) ON DELETE SET NULL,
    enrolled_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    paused_at         TIMESTAMPTZ,
    completed_at      TIMESTAMPTZ,
    cancelled_reason  TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (lead_id, sequence_id)
);
-- The sequence runner polls due steps.
CREATE INDEX lead_sequence_enrollments_due_idx ON lead_sequence_enrollments (next_step_at) WHERE status = 'active';
CREATE INDEX lead_sequence_enrollments_sequence_idx ON lead_sequence_enrollments (sequence_id, status);

CREATE TABLE lead_status_history (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lead_id          UUID NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    from_status      TEXT CHECK (from_status IN ('new', 'contacted', 'qualified', 'nurturing', 'hot', 'cold', 'recruited', 'dnc')),
    to_status        TEXT NOT NULL CHECK (to_status IN ('new', 'contacted', 'qualified', 'nurturing', 'hot', 'cold', 'recruited', 'dnc')),
    trigger_type     TEXT NOT NULL CHECK (trigger_type IN ('call', 'manual', 'automation', 'ai')),
    call_id          UUID REFERENCES calls (id) ON DELETE SET NULL,
    sequence_id      UUID REFERENCES nurture_sequences (id) ON DELETE SET NULL,
    changed_by       UUID REFERENCES users (id) ON DELETE SET NULL,
    reason           TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (from_status IS NULL OR from_status <> to_status)
);
CREATE INDEX lead_status_history_lead_idx ON lead_status_history (lead_id, created_at);
CREATE INDEX lead_status_history_funnel_idx ON lead_status_history (organization_id, to_status, created_at);

CREATE TABLE lead_score_history (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lead_id          UUID NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    old_score        INTEGER CHECK (old_score BETWEEN 0 AND 100),
    new_score        INTEGER NOT NULL CHECK (new_score BETWEEN 0 AND 100),
    trigger_type     TEXT NOT NULL CHECK (trigger_type IN ('call', 'manual', 'automation', 'ai')),
    call_id          UUID REFERENCES calls (id) ON DELETE SET NULL,
    changed_by       UUID REFERENCES users (id) ON DELETE SET NULL,
    reason           TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX lead_score_history_lead_idx ON lead_score_history (lead_id, created_at);

CREATE TABLE lead_assignments (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lead_id          UUID NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    from_user_id     UUID REFERENCES users (id) ON DELETE SET NULL,
    to_user_id       UUID REFERENCES users (id) ON DELETE SET NULL,
    strategy         TEXT NOT NULL CHECK (strategy IN ('manual', 'round_robin', 'capacity', 'geographic', 'skill_based')),
    assigned_by      UUID REFERENCES users (id) ON DELETE SET NULL,
    reason           TEXT,
    metadata         JSONB NOT NULL DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX lead_assignments_lead_idx ON lead_assignments (lead_id, created_at);
CREATE INDEX lead_assignments_to_user_idx ON lead_assignments (to_user_id, created_at);

CREATE TABLE dnc_list (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    phone_number     TEXT NOT NULL CHECK (E164(phone_number)),
    reason           TEXT,
    source           TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'customer_request', 'ai_detected', 'import', 'api', 'registry')),
    detected_phrase  TEXT,
    call_id          UUID REFERENCES calls (id) ON DELETE SET NULL,
    added_by         UUID REFERENCES users (id) ON DELETE SET NULL,
    expires_at       TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organization_id, phone_number)
);

CREATE TABLE lead_source_costs (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    source           TEXT NOT NULL CHECK (length(source) > 0),
    -- '' rather than NULL, so that the unique key also holds without a sub-source.
    sub_source       TEXT NOT NULL DEFAULT '',
    month            DATE NOT NULL,
    cost_cents       BIGINT NOT NULL CHECK (cost_cents >= 0),
    currency         TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
    notes            TEXT,
    created_by       UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organization_id, source, sub_source, month)
);

CREATE TABLE segments (
    id                       UUID PRIMARY KEY,
    organization_id          UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description              TEXT,
    filter                   JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(filter) = 'object'),
    is_public                BOOLEAN NOT NULL DEFAULT FALSE,
    lead_count               INTEGER NOT NULL DEFAULT 0 CHECK (lead_count >= 0),
    lead_count_refreshed_at  TIMESTAMPTZ,
    created_by               UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organization_id, name)
);
