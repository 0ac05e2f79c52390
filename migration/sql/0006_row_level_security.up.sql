-- Row-level security, the second wall between tenants (seeds 000 and 001).
-- A session sets `app.current_org_id`; every policy compares organization_id
-- with it. The table owner bypasses RLS (no FORCE), so the migrating role and
-- today's server are unaffected; a non-owner application role is what makes
-- these policies bite.
-- SQLite has no row-level security: this migration does nothing there.
-- @postgres
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organizations USING (id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE organization_memberships ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organization_memberships USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agents USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE phone_numbers ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON phone_numbers USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON campaigns USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE leads ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON leads USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE calls ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON calls USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE call_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON call_events USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE transcripts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON transcripts USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE lead_analytics ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lead_analytics USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE follow_ups ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON follow_ups USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE lead_audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lead_audit_log USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE nurture_sequences ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON nurture_sequences USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE lead_sequence_enrollments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lead_sequence_enrollments USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE lead_status_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lead_status_history USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE lead_score_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lead_score_history USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE lead_assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lead_assignments USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE dnc_list ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON dnc_list USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE lead_source_costs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lead_source_costs USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE segments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON segments USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON customers USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON orders USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON messages USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE deals ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON deals USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE credit_transactions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON credit_transactions USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE agent_analytics ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agent_analytics USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE organization_analytics ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organization_analytics USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE agent_targets ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agent_targets USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
-- Global defaults (NULL organization) are readable by every tenant, writable by none.
ALTER TABLE system_config ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON system_config USING (organization_id IS NULL OR organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
ALTER TABLE admin_audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON admin_audit_log USING (organization_id IS NULL OR organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
-- @end
