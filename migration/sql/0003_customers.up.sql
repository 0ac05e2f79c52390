-- Customers (seeds 002 and 004) and the three sources of their activity timeline.

CREATE TABLE customers (
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
    -- Seed 002's composite: 2 x (R + F + M), so 6-30.
    lead_score                 INTEGER CHECK (lead_score BETWEEN 6 AND 30),
    last_scored_at             TIMESTAMPTZ,
    created_at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (lead_score IS NULL OR lead_score = 2 * (rfm_recency + rfm_frequency + rfm_monetary))
);
CREATE INDEX idx_customers_lead_score ON customers (organization_id, lead_score);
CREATE INDEX idx_customers_rfm_scores ON customers (organization_id, rfm_recency, rfm_frequency, rfm_monetary);
CREATE INDEX customers_org_status_idx ON customers (organization_id, status);

CREATE TABLE orders (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    customer_id      UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    order_number     TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'paid' CHECK (status IN ('pending', 'paid', 'fulfilled', 'cancelled', 'refunded')),
    total_cents      BIGINT NOT NULL CHECK (total_cents >= 0),
    currency         TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
    event_name       TEXT,
    ordered_at       TIMESTAMPTZ NOT NULL,
    metadata         JSONB NOT NULL DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organization_id, order_number)
);
CREATE INDEX orders_customer_idx ON orders (customer_id, ordered_at);

CREATE TABLE messages (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    customer_id      UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    lead_id          UUID REFERENCES leads (id) ON DELETE SET NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'call', 'chat', 'whatsapp')),
    direction        TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    subject          TEXT,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'sent' CHECK (status IN ('queued', 'sent', 'delivered', 'read', 'failed', 'received')),
    sent_at          TIMESTAMPTZ NOT NULL,
    metadata         JSONB NOT NULL DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX messages_customer_idx ON messages (customer_id, sent_at);

CREATE TABLE deals (
    id                   UUID PRIMARY KEY,
    organization_id      UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    customer_id          UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    lead_id              UUID REFERENCES leads (id) ON DELETE SET NULL,
    owner_user_id        UUID REFERENCES users (id) ON DELETE SET NULL,
    title                TEXT NOT NULL CHECK (length(title) > 0),
    stage                TEXT NOT NULL DEFAULT 'prospecting' CHECK (stage IN ('prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost')),
    amount_cents         BIGINT NOT NULL DEFAULT 0 CHECK (amount_cents >= 0),
    currency             TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
    probability          INTEGER CHECK (probability BETWEEN 0 AND 100),
    expected_close_date  DATE,
    closed_at            TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX deals_customer_idx ON deals (customer_id, created_at);
