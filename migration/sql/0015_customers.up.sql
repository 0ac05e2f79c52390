-- Customers (issue 14): conversion, the activity timeline and RFM scores.

-- Reference numbers count per organization and year (each organization's
-- first customer of 2026 is CUST-2026-0001), so they are unique within an
-- organization rather than across all of them. SQLite cannot drop a
-- column's UNIQUE: the table is rebuilt (SQLite's twelve steps: this
-- migration runs with foreign keys off on SQLite, so dropping the old table
-- cascades to no order, message or deal, and checks them before it commits).
-- @postgres
ALTER TABLE customers DROP CONSTRAINT customers_customer_reference_number_key;
-- @end
-- @sqlite
CREATE TABLE customers_rebuilt (
    id                         UUID PRIMARY KEY,
    organization_id            UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lead_id                    UUID UNIQUE REFERENCES leads (id) ON DELETE SET NULL,
    customer_reference_number  TEXT NOT NULL CHECK (customer_reference_number LIKE 'CUST-____-%'),
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
CREATE UNIQUE INDEX customers_org_reference_key ON customers (organization_id, customer_reference_number);

-- The last reference number given, per organization and year: taken with
-- an upsert in the conversion's transaction, so numbers are gap-free and
-- two conversions never get the same one.
CREATE TABLE customer_reference_counters (
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    year             INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    last_number      INTEGER NOT NULL CHECK (last_number >= 0),
    PRIMARY KEY (organization_id, year)
);

-- Customer lists page by creation, score and last interaction, the id
-- breaking ties; timelines page each activity by its time, the id breaking ties.
CREATE INDEX customers_org_created_idx ON customers (organization_id, created_at, id);
CREATE INDEX customers_org_score_idx ON customers (organization_id, lead_score, id);
CREATE INDEX orders_customer_time_idx ON orders (customer_id, ordered_at, id);
CREATE INDEX messages_customer_time_idx ON messages (customer_id, sent_at, id);
CREATE INDEX deals_customer_time_idx ON deals (customer_id, created_at, id);
DROP INDEX orders_customer_idx;
DROP INDEX messages_customer_idx;
DROP INDEX deals_customer_idx;

-- @postgres
ALTER TABLE customer_reference_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE customer_reference_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_access ON customer_reference_counters TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY tenant_isolation ON customer_reference_counters USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
-- @end
