-- The call summary's counts, exact and fresh (issue 16): calls per
-- organization, local day of creation (the organization's time zone),
-- traffic source and CRM stage, kept by the difference in the same
-- transaction as every write to `calls`, whatever makes it (the API,
-- webhooks, imports, the seeder, plain SQL).
--
-- A writer never updates a shared counter: a trigger on `calls` appends
-- its difference (+1 for the new bucket, -1 for the old) to
-- `call_day_count_changes`, so concurrent writers of one organization and
-- day neither wait for each other nor deadlock. A background task folds
-- committed changes into `call_day_counts` (claimed with FOR UPDATE SKIP
-- LOCKED, so instances share the work); a read sums both in one snapshot,
-- which sees every committed change exactly once.
--
-- Neither table has a foreign key: checking one would take a key-share
-- lock on the organization's row in every writer, which waits for (and
-- deadlocks with) the writers that lock that row to keep the other rollups.
-- A trigger clears an organization's counts when it is deleted instead.
--
-- SQLite has no time zone database to find a local day in SQL: the tables
-- are there, the triggers are not, and the application counts from `calls`.
CREATE TABLE call_day_counts (
    organization_id  UUID NOT NULL,
    day              DATE NOT NULL,
    traffic_source   TEXT NOT NULL CHECK (traffic_source IN ('organic', 'meta')),
    crm_stage        TEXT NOT NULL CHECK (crm_stage IN ('scheduled', 'in_progress', 'completed', 'no_show', 'closed_won', 'lost')),
    calls            BIGINT NOT NULL,
    PRIMARY KEY (organization_id, day, traffic_source, crm_stage)
);

CREATE TABLE call_day_count_changes (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL,
    day              DATE NOT NULL,
    traffic_source   TEXT NOT NULL CHECK (traffic_source IN ('organic', 'meta')),
    crm_stage        TEXT NOT NULL CHECK (crm_stage IN ('scheduled', 'in_progress', 'completed', 'no_show', 'closed_won', 'lost')),
    calls            BIGINT NOT NULL
);
CREATE INDEX call_day_count_changes_org_day_idx ON call_day_count_changes (organization_id, day);

-- @postgres
-- One bucket's difference, unless the organization is gone (its calls are
-- being deleted with it, and its counts are cleared).
CREATE FUNCTION call_day_count_change(organization UUID, created TIMESTAMPTZ, source TEXT, stage TEXT, delta BIGINT)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    zone TEXT;
BEGIN
    SELECT timezone INTO zone FROM organizations WHERE id = organization;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO call_day_count_changes (id, organization_id, day, traffic_source, crm_stage, calls)
    VALUES (gen_random_uuid(), organization, CAST((created AT TIME ZONE zone) AS DATE), source, stage, delta);
END
$$;

CREATE FUNCTION calls_count_days() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM call_day_count_change(OLD.organization_id, OLD.created_at, OLD.traffic_source, OLD.crm_stage, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM call_day_count_change(NEW.organization_id, NEW.created_at, NEW.traffic_source, NEW.crm_stage, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER calls_count_days AFTER INSERT OR DELETE ON calls
FOR EACH ROW EXECUTE FUNCTION calls_count_days();
-- Only an update that moves the call to another bucket costs anything.
CREATE TRIGGER calls_count_days_moved AFTER UPDATE OF organization_id, created_at, traffic_source, crm_stage ON calls
FOR EACH ROW
WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id
      OR OLD.created_at IS DISTINCT FROM NEW.created_at
      OR OLD.traffic_source IS DISTINCT FROM NEW.traffic_source
      OR OLD.crm_stage IS DISTINCT FROM NEW.crm_stage)
EXECUTE FUNCTION calls_count_days();

-- A new time zone moves every day boundary: the organization is counted
-- again. (The application locks `calls` against writers first, so no
-- writer counts a call by the old zone after this has run.)
CREATE FUNCTION organizations_recount_days() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM call_day_count_changes WHERE organization_id = NEW.id;
    DELETE FROM call_day_counts WHERE organization_id = NEW.id;
    INSERT INTO call_day_counts (organization_id, day, traffic_source, crm_stage, calls)
    SELECT NEW.id, CAST((created_at AT TIME ZONE NEW.timezone) AS DATE), traffic_source, crm_stage, COUNT(*)
    FROM calls WHERE organization_id = NEW.id
    GROUP BY 2, 3, 4;
    RETURN NULL;
END
$$;
CREATE TRIGGER organizations_recount_days AFTER UPDATE OF timezone ON organizations
FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone)
EXECUTE FUNCTION organizations_recount_days();

CREATE FUNCTION organizations_forget_days() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM call_day_count_changes WHERE organization_id = OLD.id;
    DELETE FROM call_day_counts WHERE organization_id = OLD.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER organizations_forget_days AFTER DELETE ON organizations
FOR EACH ROW EXECUTE FUNCTION organizations_forget_days();

-- The calls there already.
INSERT INTO call_day_counts (organization_id, day, traffic_source, crm_stage, calls)
SELECT c.organization_id, CAST((c.created_at AT TIME ZONE o.timezone) AS DATE), c.traffic_source, c.crm_stage, COUNT(*)
FROM calls c JOIN organizations o ON o.id = c.organization_id
GROUP BY 1, 2, 3, 4;

ALTER TABLE call_day_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_day_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON call_day_counts TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY tenant_isolation ON call_day_counts USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
ALTER TABLE call_day_count_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_day_count_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON call_day_count_changes TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY tenant_isolation ON call_day_count_changes USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));

-- Seed 000's summary: no longer materialized (it would lag by its refresh
-- interval), but summed from the counts and the pending changes, so exact
-- and cheap. The application reads the counts through it too (filters on
-- organization and day reach both tables' indexes).
DROP MATERIALIZED VIEW call_analytics_summary;
CREATE VIEW call_analytics_summary AS
SELECT
    organization_id,
    traffic_source,
    crm_stage,
    day,
    CAST(SUM(calls) AS BIGINT) AS call_count,
    CAST(COALESCE(SUM(calls) FILTER (WHERE crm_stage IN ('completed', 'no_show', 'closed_won', 'lost')), 0) AS BIGINT) AS completed_calls,
    CAST(COALESCE(SUM(calls) FILTER (WHERE crm_stage = 'closed_won'), 0) AS BIGINT) AS closed_won_calls,
    CAST(ROUND(COALESCE(SUM(calls) FILTER (WHERE crm_stage IN ('completed', 'no_show', 'closed_won', 'lost')), 0) * 100.0 / SUM(calls), 2) AS DOUBLE PRECISION) AS show_rate,
    CAST(ROUND(COALESCE(SUM(calls) FILTER (WHERE crm_stage = 'closed_won'), 0) * 100.0
        / NULLIF(SUM(calls) FILTER (WHERE crm_stage IN ('completed', 'no_show', 'closed_won', 'lost')), 0), 2) AS DOUBLE PRECISION) AS close_rate
FROM (
    SELECT organization_id, day, traffic_source, crm_stage, calls FROM call_day_counts
    UNION ALL
    SELECT organization_id, day, traffic_source, crm_stage, calls FROM call_day_count_changes
) AS counted
GROUP BY organization_id, traffic_source, crm_stage, day
HAVING SUM(calls) <> 0;
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 150000 THEN
        EXECUTE 'ALTER VIEW call_analytics_summary SET (security_invoker = true)';
    END IF;
END
$$;
-- @end
