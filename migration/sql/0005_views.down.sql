DROP VIEW customer_activity_timeline;
-- @postgres
DROP MATERIALIZED VIEW call_analytics_summary;
-- @end
-- @sqlite
DROP VIEW call_analytics_summary;
-- @end
