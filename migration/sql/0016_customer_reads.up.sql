-- Customer reads (issue 14). Customer lists sort by score and by last
-- interaction as well as by creation. Both columns may be null, and a null
-- counts as the lowest value (first ascending, last descending): SQLite's
-- own order, and on PostgreSQL the order of an index with NULLS FIRST, read forward for
-- ascending pages and backward for descending ones.
-- @postgres
DROP INDEX customers_org_score_idx;
CREATE INDEX customers_org_score_idx ON customers (organization_id, lead_score NULLS FIRST, id);
CREATE INDEX customers_org_interaction_idx ON customers (organization_id, last_interaction_date NULLS FIRST, id);
-- @end
-- @sqlite
CREATE INDEX customers_org_interaction_idx ON customers (organization_id, last_interaction_date, id);
-- @end

-- Close rates by activity read the deals an organization closed in a range.
CREATE INDEX deals_org_closed_idx ON deals (organization_id, closed_at) WHERE closed_at IS NOT NULL;
