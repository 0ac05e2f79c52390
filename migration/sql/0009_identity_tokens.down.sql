DROP INDEX user_sessions_user_created_idx;
DROP TABLE mail_outbox;
DROP TABLE invitations;
DROP TABLE email_verifications;
DROP TABLE retired_refresh_tokens;
