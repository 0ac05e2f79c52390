-- Live counters and analytics ask "which calls ended in this window" per
-- organization; without this index that is a scan of every call.
CREATE INDEX idx_calls_org_ended ON calls (organization_id, ended_at) WHERE ended_at IS NOT NULL;
