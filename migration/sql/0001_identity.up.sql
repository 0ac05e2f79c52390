-- Identity and tenancy: organizations, users, memberships, sessions and the
-- login-security tables of seed 004, and per-organization configuration.
-- Written in PostgreSQL's dialect; `render` maps the types for SQLite.

CREATE TABLE organizations (
    id              UUID PRIMARY KEY,
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug            TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 63),
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    default_region  TEXT NOT NULL DEFAULT 'US' CHECK (length(default_region) = 2),
    credit_balance  BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                UUID PRIMARY KEY,
    email             TEXT NOT NULL CHECK (email LIKE '%_@_%'),
    name              TEXT NOT NULL DEFAULT '',
    role              TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin', 'super_admin')),
    password_hash     TEXT,
    email_verified    BOOLEAN NOT NULL DEFAULT FALSE,
    is_active         BOOLEAN NOT NULL DEFAULT TRUE,
    auth_provider     TEXT NOT NULL DEFAULT 'email' CHECK (auth_provider IN ('email', 'google', 'linkedin', 'github')),
    external_subject  TEXT UNIQUE,
    last_login_at     TIMESTAMPTZ,
    locked_until      TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Email is unique case-insensitively.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE organization_memberships (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'agent', 'viewer')),
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'invited', 'suspended')),
    invited_by       UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (organization_id, user_id)
);
CREATE INDEX organization_memberships_user_idx ON organization_memberships (user_id);

-- Sessions and login attempts belong to a user, not a tenant: a person logs in
-- before choosing an organization.
CREATE TABLE user_sessions (
    id                  UUID PRIMARY KEY,
    user_id             UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id     UUID REFERENCES organizations (id) ON DELETE CASCADE,
    token_hash          TEXT NOT NULL UNIQUE,
    refresh_token_hash  TEXT UNIQUE,
    expires_at          TIMESTAMPTZ NOT NULL,
    refresh_expires_at  TIMESTAMPTZ,
    ip_address          TEXT,
    user_agent          TEXT,
    is_active           BOOLEAN NOT NULL DEFAULT TRUE,
    last_used_at        TIMESTAMPTZ,
    revoked_at          TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (refresh_expires_at IS NULL OR refresh_expires_at >= expires_at)
);
CREATE INDEX user_sessions_user_active_idx ON user_sessions (user_id, expires_at) WHERE is_active;

CREATE TABLE login_attempts (
    id              UUID PRIMARY KEY,
    email           TEXT NOT NULL,
    user_id         UUID REFERENCES users (id) ON DELETE SET NULL,
    ip_address      TEXT,
    user_agent      TEXT,
    attempted_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    success         BOOLEAN NOT NULL,
    failure_reason  TEXT CHECK (failure_reason IN ('bad_password', 'unknown_user', 'locked', 'inactive', 'unverified', 'rate_limited')),
    CHECK (success = (failure_reason IS NULL))
);
CREATE INDEX login_attempts_email_idx ON login_attempts (lower(email), attempted_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip_address, attempted_at);

CREATE TABLE password_reset_attempts (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL,
    user_id       UUID REFERENCES users (id) ON DELETE SET NULL,
    ip_address    TEXT,
    token_hash    TEXT UNIQUE,
    expires_at    TIMESTAMPTZ,
    used_at       TIMESTAMPTZ,
    attempted_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    success       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX password_reset_attempts_email_idx ON password_reset_attempts (lower(email), attempted_at);

-- Platform-level actions have no organization.
CREATE TABLE admin_audit_log (
    id               UUID PRIMARY KEY,
    organization_id  UUID REFERENCES organizations (id) ON DELETE CASCADE,
    admin_user_id    UUID REFERENCES users (id) ON DELETE SET NULL,
    action           TEXT NOT NULL CHECK (length(action) > 0),
    resource_type    TEXT NOT NULL,
    resource_id      TEXT,
    target_user_id   UUID REFERENCES users (id) ON DELETE SET NULL,
    details          JSONB NOT NULL DEFAULT '{}',
    ip_address       TEXT,
    user_agent       TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX admin_audit_log_org_idx ON admin_audit_log (organization_id, created_at);
CREATE INDEX admin_audit_log_admin_idx ON admin_audit_log (admin_user_id, created_at);

-- A NULL organization holds the global default of a key.
CREATE TABLE system_config (
    id               UUID PRIMARY KEY,
    organization_id  UUID REFERENCES organizations (id) ON DELETE CASCADE,
    key              TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
    value            TEXT NOT NULL,
    is_encrypted     BOOLEAN NOT NULL DEFAULT FALSE,
    description      TEXT,
    updated_by       UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX system_config_org_key ON system_config (organization_id, key) WHERE organization_id IS NOT NULL;
CREATE UNIQUE INDEX system_config_global_key ON system_config (key) WHERE organization_id IS NULL;
