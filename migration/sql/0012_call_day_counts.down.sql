-- @postgres
DROP VIEW call_analytics_summary;
CREATE MATERIALIZED VIEW call_analytics_summary AS
SELECT
    c.organization_id,
    c.traffic_source,
    c.crm_stage,
    CAST((c.created_at AT TIME ZONE o.timezone) AS DATE) AS day,
    COUNT(*) AS call_count,
    COUNT(*) FILTER (WHERE c.crm_stage IN ('completed', 'no_show', 'closed_won', 'lost')) AS completed_calls,
    COUNT(*) FILTER (WHERE c.crm_stage = 'closed_won') AS closed_won_calls,
    CAST(ROUND(COUNT(*) FILTER (WHERE c.crm_stage IN ('completed', 'no_show', 'closed_won', 'lost')) * 100.0 / COUNT(*), 2) AS DOUBLE PRECISION) AS show_rate,
    CAST(ROUND(COUNT(*) FILTER (WHERE c.crm_stage = 'closed_won') * 100.0
        / NULLIF(COUNT(*) FILTER (WHERE c.crm_stage IN ('completed', 'no_show', 'closed_won', 'lost')), 0), 2) AS DOUBLE PRECISION) AS close_rate
FROM calls c
JOIN organizations o ON o.id = c.organization_id
GROUP BY c.organization_id, c.traffic_source, c.crm_stage, CAST((c.created_at AT TIME ZONE o.timezone) AS DATE);
CREATE UNIQUE INDEX call_analytics_summary_key ON call_analytics_summary (organization_id, day, traffic_source, crm_stage);
DROP TRIGGER organizations_forget_days ON organizations;
DROP FUNCTION organizations_forget_days();
DROP TRIGGER organizations_recount_days ON organizations;
DROP FUNCTION organizations_recount_days();
DROP TRIGGER calls_count_days_moved ON calls;
DROP TRIGGER calls_count_days ON calls;
DROP FUNCTION calls_count_days();
DROP FUNCTION call_day_count_change(UUID, TIMESTAMPTZ, TEXT, TEXT, BIGINT);
-- @end
DROP TABLE call_day_count_changes;
DROP TABLE call_day_counts;
