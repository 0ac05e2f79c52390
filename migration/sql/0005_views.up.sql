-- Read models: seed 000's call_analytics_summary and seed 002's customer
-- activity timeline.

-- @postgres
-- Days are the organization's calendar days. Refreshed CONCURRENTLY (hence the
-- unique index), never from a per-statement trigger as seed 000 did.
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
-- @end
-- @sqlite
-- SQLite has no time zone database: this plain view buckets by UTC day, and the
-- analytics code supplies organization-local day boundaries itself.
CREATE VIEW call_analytics_summary AS
SELECT
    c.organization_id,
    c.traffic_source,
    c.crm_stage,
    date(c.created_at) AS day,
    COUNT(*) AS call_count,
    SUM(c.crm_stage IN ('completed', 'no_show', 'closed_won', 'lost')) AS completed_calls,
    SUM(c.crm_stage = 'closed_won') AS closed_won_calls,
    ROUND(SUM(c.crm_stage IN ('completed', 'no_show', 'closed_won', 'lost')) * 100.0 / COUNT(*), 2) AS show_rate,
    ROUND(SUM(c.crm_stage = 'closed_won') * 100.0
        / NULLIF(SUM(c.crm_stage IN ('completed', 'no_show', 'closed_won', 'lost')), 0), 2) AS close_rate
FROM calls c
GROUP BY c.organization_id, c.traffic_source, c.crm_stage, date(c.created_at);
-- @end

-- A plain view on both backends: each branch is served by its table's
-- (customer_id, time) index, so a customer's timeline is never stale.
CREATE VIEW customer_activity_timeline AS
SELECT o.organization_id, o.customer_id, 'order' AS activity_type, o.id AS activity_id,
       o.ordered_at AS occurred_at, COALESCE(o.event_name, o.order_number) AS title,
       o.total_cents AS amount_cents, o.status AS status
FROM orders o
UNION ALL
SELECT m.organization_id, m.customer_id, 'message', m.id,
       m.sent_at, COALESCE(m.subject, m.channel || ' ' || m.direction),
       NULL, m.status
FROM messages m
UNION ALL
SELECT d.organization_id, d.customer_id, 'deal', d.id,
       d.created_at, d.title,
       d.amount_cents, d.stage
FROM deals d;
