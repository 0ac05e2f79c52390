-- CRM automation (issue 13): the indexes its reads and writes take, and
-- how an automatic score was reached.

-- The parts and weights behind a computed score (`Lead.scoreBreakdown`);
-- null for a score set by hand.
ALTER TABLE lead_score_history ADD COLUMN breakdown JSONB;

-- Follow-ups page by due day, the id breaking ties, for the organization
-- and for one member; a call's outcome finds the call's pending one.
CREATE INDEX follow_ups_org_date_idx ON follow_ups (organization_id, follow_up_date, id);
CREATE INDEX follow_ups_org_assignee_date_idx ON follow_ups (organization_id, user_id, follow_up_date, id);
CREATE INDEX follow_ups_call_pending_idx ON follow_ups (call_id) WHERE status = 'pending';

-- When a pending follow-up's day came and `followUpDue` announced it (once;
-- moving it to another day announces it again on that day).
ALTER TABLE follow_ups ADD COLUMN due_announced_at TIMESTAMPTZ;
CREATE INDEX follow_ups_due_unannounced_idx ON follow_ups (follow_up_date) WHERE status = 'pending' AND due_announced_at IS NULL;

-- Round robin continues after the member its last assignment chose.
CREATE INDEX lead_assignments_org_strategy_idx ON lead_assignments (organization_id, strategy, created_at, id);
