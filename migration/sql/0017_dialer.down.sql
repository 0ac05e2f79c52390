DROP INDEX calls_in_doubt_idx;
DROP INDEX calls_org_due_idx;
DROP INDEX calls_due_idx;
