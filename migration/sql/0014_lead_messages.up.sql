-- Nurture messaging (issue 13): every SMS and email a sequence step sent,
-- through which provider and under which provider id, and every message a
-- lead sent back (an inbound SMS), kept once per provider id so a
-- redelivered webhook records nothing twice. In development nothing leaves
-- the machine and this table is the outbox the demo and the tests read.
CREATE TABLE lead_messages (
    id                   UUID PRIMARY KEY,
    organization_id      UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lead_id              UUID REFERENCES leads (id) ON DELETE SET NULL,
    enrollment_id        UUID REFERENCES lead_sequence_enrollments (id) ON DELETE SET NULL,
    channel              TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    direction            TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    -- The lead's number or address: where it went, or where it came from.
    counterpart          TEXT NOT NULL,
    subject              TEXT,
    body                 TEXT,
    template_id          TEXT,
    provider             TEXT NOT NULL CHECK (provider IN ('development', 'twilio', 'mailer')),
    provider_message_id  TEXT,
    status               TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'read', 'failed', 'received')),
    created_at           TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX lead_messages_provider_key ON lead_messages (organization_id, provider, provider_message_id);
CREATE INDEX lead_messages_lead_idx ON lead_messages (organization_id, lead_id, created_at, id);
CREATE INDEX lead_messages_enrollment_idx ON lead_messages (enrollment_id);

-- @postgres
ALTER TABLE lead_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON lead_messages TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY tenant_isolation ON lead_messages USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
-- @end
