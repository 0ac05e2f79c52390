-- Row-level security, enforced (issue 11). m0006 wrote the tenant policies;
-- this makes them bind everyone but the migrating role:
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
-- A member sees the organizations they belong to, and their memberships in them.
DROP POLICY tenant_isolation ON organizations;
CREATE POLICY tenant_isolation ON organizations USING (id = NULLIF(current_setting('app.current_org_id', true), '')::uuid OR EXISTS (SELECT 1 FROM organization_memberships m WHERE m.organization_id = organizations.id AND m.user_id = NULLIF(current_setting('app.current_user_id', true), '')::uuid)) WITH CHECK (id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
DROP POLICY tenant_isolation ON organization_memberships;
CREATE POLICY tenant_isolation ON organization_memberships USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid OR user_id = NULLIF(current_setting('app.current_user_id', true), '')::uuid) WITH CHECK (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
-- Users: oneself, and the members of the organization one acts in.
CREATE POLICY tenant_isolation ON users USING (id = NULLIF(current_setting('app.current_user_id', true), '')::uuid OR EXISTS (SELECT 1 FROM organization_memberships m WHERE m.user_id = users.id AND m.organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid)) WITH CHECK (id = NULLIF(current_setting('app.current_user_id', true), '')::uuid);
CREATE POLICY tenant_isolation ON user_sessions USING (user_id = NULLIF(current_setting('app.current_user_id', true), '')::uuid);
CREATE POLICY tenant_isolation ON invitations USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
DO $$
BEGIN
    -- security_invoker came with PostgreSQL 15.
    IF current_setting('server_version_num')::int >= 150000 THEN
        EXECUTE 'ALTER VIEW customer_activity_timeline SET (security_invoker = true)';
    END IF;
END
$$;
-- @end
