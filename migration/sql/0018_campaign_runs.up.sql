-- Campaigns that run (issue 15): a campaign targets a segment or chosen
-- leads, and the dialer works through them with the campaign's pacing,
-- concurrency and retry policy.

-- The leads it calls: a segment's (taken when it starts or resumes) and
-- any added by hand. Limits left NULL fall back to the organization's.
ALTER TABLE campaigns ADD COLUMN segment_id UUID REFERENCES segments (id) ON DELETE SET NULL;
-- Calls going at once (queued, ringing or in progress).
ALTER TABLE campaigns ADD COLUMN max_concurrent_calls INTEGER CHECK (max_concurrent_calls BETWEEN 1 AND 1000);
-- Calls placed in any minute.
ALTER TABLE campaigns ADD COLUMN calls_per_minute INTEGER CHECK (calls_per_minute BETWEEN 1 AND 1000);
-- Calls a lead gets until one is answered, and the wait between them.
ALTER TABLE campaigns ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 1 CHECK (max_attempts BETWEEN 1 AND 10);
ALTER TABLE campaigns ADD COLUMN retry_after_minutes INTEGER NOT NULL DEFAULT 240 CHECK (retry_after_minutes BETWEEN 1 AND 10080);
-- Carriers limit the calls one number carries at once.
ALTER TABLE phone_numbers ADD COLUMN max_concurrent_calls INTEGER CHECK (max_concurrent_calls BETWEEN 1 AND 1000);

-- One row a lead a campaign calls, and where that lead stands:
--   waiting    to be called at next_attempt_at (held there when the dial
--              gate says not now, block_reason saying why);
--   calling    call_id is scheduled or going;
--   reached    a call was answered;
--   unreached  every attempt went unanswered;
--   blocked    never to be called by it (block_reason: on the DNC list,
--              no number, deleted, its call cancelled).
CREATE TABLE campaign_leads (
    campaign_id      UUID NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    lead_id          UUID NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    state            TEXT NOT NULL CHECK (state IN ('waiting', 'calling', 'reached', 'unreached', 'blocked')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    call_id          UUID REFERENCES calls (id) ON DELETE SET NULL,
    block_reason     TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (campaign_id, lead_id)
);
-- The runner's two questions each round: who is next, and whose call ended.
CREATE INDEX campaign_leads_next_idx ON campaign_leads (campaign_id, next_attempt_at, lead_id) WHERE state = 'waiting';
CREATE INDEX campaign_leads_calling_idx ON campaign_leads (campaign_id, call_id) WHERE state = 'calling';
CREATE INDEX campaign_leads_lead_idx ON campaign_leads (lead_id);
CREATE INDEX campaign_leads_call_idx ON campaign_leads (call_id);
-- A campaign's calls going, counted against its limit at every claim.
CREATE INDEX calls_campaign_status_idx ON calls (campaign_id, status);
-- Campaigns running, looked for across organizations every round.
CREATE INDEX campaigns_active_idx ON campaigns (organization_id) WHERE status = 'active';

-- @postgres
ALTER TABLE campaign_leads ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_leads FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON campaign_leads TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY tenant_isolation ON campaign_leads USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
-- @end
