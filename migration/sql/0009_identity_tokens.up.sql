-- What logins, password resets, email verification and invitations need
-- beyond seed 004's tables: the refresh tokens a session has already used
-- (presenting one again is theft: the session is revoked), email-verification
-- links, invitations, and the development mailer's outbox. Tokens are stored
-- only as SHA-256 hashes.

CREATE TABLE retired_refresh_tokens (
    id          UUID PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    session_id  UUID NOT NULL REFERENCES user_sessions (id) ON DELETE CASCADE,
    retired_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX retired_refresh_tokens_session_idx ON retired_refresh_tokens (session_id);

CREATE TABLE email_verifications (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id, created_at);

-- An invitation to join an organization: the `invited` membership it
-- activates, and the single-use token mailed to the address.
CREATE TABLE invitations (
    id               UUID PRIMARY KEY,
    organization_id  UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    membership_id    UUID NOT NULL REFERENCES organization_memberships (id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'agent', 'viewer')),
    token_hash       TEXT NOT NULL UNIQUE,
    invited_by       UUID REFERENCES users (id) ON DELETE SET NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    accepted_at      TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX invitations_membership_idx ON invitations (membership_id, created_at);
CREATE INDEX invitations_organization_idx ON invitations (organization_id, created_at);

-- Mail the development mailer "sent": the demo and the tests read links here.
CREATE TABLE mail_outbox (
    id          UUID PRIMARY KEY,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX mail_outbox_recipient_idx ON mail_outbox (lower(recipient), created_at);

-- Lockout counts an email's recent failures; sessions are listed per user.
CREATE INDEX user_sessions_user_created_idx ON user_sessions (user_id, created_at);
