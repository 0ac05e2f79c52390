DROP INDEX deals_org_closed_idx;
DROP INDEX customers_org_interaction_idx;
-- @postgres
DROP INDEX customers_org_score_idx;
CREATE INDEX customers_org_score_idx ON customers (organization_id, lead_score, id);
-- @end
