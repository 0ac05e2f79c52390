CREATE INDEX orders_customer_idx ON orders (customer_id, ordered_at);
CREATE INDEX messages_customer_idx ON messages (customer_id, sent_at);
CREATE INDEX deals_customer_idx ON deals (customer_id, created_at);
DROP INDEX deals_customer_time_idx;
DROP INDEX messages_customer_time_idx;
DROP INDEX orders_customer_time_idx;
DROP INDEX customers_org_score_idx;
DROP INDEX customers_org_created_idx;
DROP TABLE customer_reference_counters;
DROP INDEX customers_org_reference_key;
-- @postgres
ALTER TABLE customers ADD CONSTRAINT customers_customer_reference_number_key UNIQUE (customer_reference_number);
-- @end
-- @sqlite
CREATE TABLE customers_rebuilt (
    id                         UUID PRIMARY KEY,
    organization_id            UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lead_id                    UUID UNIQUE REFERENCES leads (id) ON DELETE SET NULL,
    customer_reference_number  TEXT NOT NULL UNIQUE CHECK (customer_reference_number LIKE 'CUST-____-%'),
    name                       TEXT NOT NULL,
    email                      TEXT,
    phone                      TEXT,
    company                    TEXT,
    status                     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'churned', 'on_hold')),
    conversion_date            TIMESTAMPTZ,
    original_lead_source       TEXT,
    sales_rep_user_id          UUID REFERENCES users (id) ON DELETE SET NULL,
    last_interaction_date      TIMESTAMPTZ,
    notes                      TEXT,
    rfm_recency                INTEGER CHECK (rfm_recency BETWEEN 1 AND 5),
    rfm_frequency              INTEGER CHECK (rfm_frequency BETWEEN 1 AND 5),
    rfm_monetary               INTEGER CHECK (rfm_monetary BETWEEN 1 AND 5),
    lead_score                 INTEGER CHECK (lead_score BETWEEN 6 AND 30),
    last_scored_at             TIMESTAMPTZ,
    created_at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (lead_score IS NULL OR lead_score = 2 * (rfm_recency + rfm_frequency + rfm_monetary))
);
INSERT INTO customers_rebuilt SELECT * FROM customers;
DROP TABLE customers;
ALTER TABLE customers_rebuilt RENAME TO customers;
CREATE INDEX idx_customers_lead_score ON customers (organization_id, lead_score);
CREATE INDEX idx_customers_rfm_scores ON customers (organization_id, rfm_recency, rfm_frequency, rfm_monetary);
CREATE INDEX customers_org_status_idx ON customers (organization_id, status);
-- @end
