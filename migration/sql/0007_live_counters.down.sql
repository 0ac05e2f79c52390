DROP INDEX idx_calls_org_ended;
