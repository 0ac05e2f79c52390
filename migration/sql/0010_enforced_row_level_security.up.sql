-- Row-level security, enforced (issue 11). m0006 wrote the tenant policies;
-- this makes them bind everyone but the migrating role, and cheap:
-- - every table is FORCEd, so even its owner is subject to the policies;
-- - the role running the migrations (the owner, whose pool is the server's
--   privileged path) gets an explicit pass-through policy on each table,
--   `owner_access`, granted to that role alone;
-- - the runtime role (`switchboard db grant`) matches only the tenant
--   policies: a row is visible when `app.current_org_id` names its
--   organization, and the identity tables follow `app.current_user_id`
--   (a member sees their own user row, sessions and memberships, and the
--   users of the organization they act in). The attempt, token and mail
--   tables have no policy for it at all: only the privileged path reads them.
-- - each policy reads the setting in a sub-select, which PostgreSQL
--   evaluates once per statement (an init plan) instead of once per row;
-- - views run with the caller's rights (`security_invoker`), so they cannot
--   be a way around the policies. The materialized view cannot carry
--   policies (PostgreSQL has none for them); the application reads it
--   filtered by organization, and its refresh is privileged.
-- A superuser or BYPASSRLS role skips all of this: never serve as one.
-- SQLite has no row-level security: this migration does nothing there.
-- @postgres
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON organizations TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE organization_memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON organization_memberships TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE agents FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON agents TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE phone_numbers FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON phone_numbers TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE campaigns FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON campaigns TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE leads FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON leads TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE calls FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON calls TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE call_events FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON call_events TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE transcripts FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON transcripts TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE lead_analytics FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON lead_analytics TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE follow_ups FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON follow_ups TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE lead_audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON lead_audit_log TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE nurture_sequences FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON nurture_sequences TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE lead_sequence_enrollments FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON lead_sequence_enrollments TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE lead_status_history FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON lead_status_history TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE lead_score_history FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON lead_score_history TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE lead_assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON lead_assignments TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE dnc_list FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON dnc_list TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE lead_source_costs FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON lead_source_costs TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE segments FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON segments TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE customers FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON customers TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE orders FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON orders TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON messages TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE deals FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON deals TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE credit_transactions FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON credit_transactions TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE agent_analytics FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON agent_analytics TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE organization_analytics FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON organization_analytics TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE agent_targets FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON agent_targets TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE system_config FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON system_config TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE admin_audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON admin_audit_log TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON users TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON user_sessions TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON invitations TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE login_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON login_attempts TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE password_reset_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE password_reset_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON password_reset_attempts TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE retired_refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE retired_refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON retired_refresh_tokens TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE email_verifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_verifications FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON email_verifications TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE mail_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON mail_outbox TO CURRENT_USER USING (true) WITH CHECK (true);
-- The tenant policies again, each reading the setting once per statement.
DROP POLICY tenant_isolation ON agents;
CREATE POLICY tenant_isolation ON agents USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON phone_numbers;
CREATE POLICY tenant_isolation ON phone_numbers USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON campaigns;
CREATE POLICY tenant_isolation ON campaigns USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON leads;
CREATE POLICY tenant_isolation ON leads USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON calls;
CREATE POLICY tenant_isolation ON calls USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON call_events;
CREATE POLICY tenant_isolation ON call_events USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON transcripts;
CREATE POLICY tenant_isolation ON transcripts USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON lead_analytics;
CREATE POLICY tenant_isolation ON lead_analytics USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON follow_ups;
CREATE POLICY tenant_isolation ON follow_ups USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON lead_audit_log;
CREATE POLICY tenant_isolation ON lead_audit_log USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON nurture_sequences;
CREATE POLICY tenant_isolation ON nurture_sequences USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON lead_sequence_enrollments;
CREATE POLICY tenant_isolation ON lead_sequence_enrollments USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON lead_status_history;
CREATE POLICY tenant_isolation ON lead_status_history USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON lead_score_history;
CREATE POLICY tenant_isolation ON lead_score_history USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON lead_assignments;
CREATE POLICY tenant_isolation ON lead_assignments USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON dnc_list;
CREATE POLICY tenant_isolation ON dnc_list USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON lead_source_costs;
CREATE POLICY tenant_isolation ON lead_source_costs USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON segments;
CREATE POLICY tenant_isolation ON segments USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON customers;
CREATE POLICY tenant_isolation ON customers USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON orders;
CREATE POLICY tenant_isolation ON orders USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON messages;
CREATE POLICY tenant_isolation ON messages USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON deals;
CREATE POLICY tenant_isolation ON deals USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON credit_transactions;
CREATE POLICY tenant_isolation ON credit_transactions USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON agent_analytics;
CREATE POLICY tenant_isolation ON agent_analytics USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON organization_analytics;
CREATE POLICY tenant_isolation ON organization_analytics USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON agent_targets;
CREATE POLICY tenant_isolation ON agent_targets USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON system_config;
CREATE POLICY tenant_isolation ON system_config USING (organization_id IS NULL OR organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)) WITH CHECK (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON admin_audit_log;
CREATE POLICY tenant_isolation ON admin_audit_log USING (organization_id IS NULL OR organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)) WITH CHECK (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
-- A member sees the organizations they belong to, and their memberships in them.
DROP POLICY tenant_isolation ON organizations;
CREATE POLICY tenant_isolation ON organizations USING (id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid) OR EXISTS (SELECT 1 FROM organization_memberships m WHERE m.organization_id = organizations.id AND m.user_id = (SELECT NULLIF(current_setting('app.current_user_id', true), '')::uuid))) WITH CHECK (id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DROP POLICY tenant_isolation ON organization_memberships;
CREATE POLICY tenant_isolation ON organization_memberships USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid) OR user_id = (SELECT NULLIF(current_setting('app.current_user_id', true), '')::uuid)) WITH CHECK (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
-- Users: oneself, and the members of the organization one acts in.
CREATE POLICY tenant_isolation ON users USING (id = (SELECT NULLIF(current_setting('app.current_user_id', true), '')::uuid) OR EXISTS (SELECT 1 FROM organization_memberships m WHERE m.user_id = users.id AND m.organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid))) WITH CHECK (id = (SELECT NULLIF(current_setting('app.current_user_id', true), '')::uuid));
CREATE POLICY tenant_isolation ON user_sessions USING (user_id = (SELECT NULLIF(current_setting('app.current_user_id', true), '')::uuid));
CREATE POLICY tenant_isolation ON invitations USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
DO $$
BEGIN
    -- security_invoker came with PostgreSQL 15.
    IF current_setting('server_version_num')::int >= 150000 THEN
        EXECUTE 'ALTER VIEW customer_activity_timeline SET (security_invoker = true)';
    END IF;
END
$$;
-- @end
