DROP INDEX lead_assignments_org_strategy_idx;
DROP INDEX follow_ups_due_unannounced_idx;
ALTER TABLE follow_ups DROP COLUMN due_announced_at;
DROP INDEX follow_ups_call_pending_idx;
DROP INDEX follow_ups_org_assignee_date_idx;
DROP INDEX follow_ups_org_date_idx;
ALTER TABLE lead_score_history DROP COLUMN breakdown;
