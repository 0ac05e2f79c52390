DROP TABLE system_config;
DROP TABLE admin_audit_log;
DROP TABLE password_reset_attempts;
DROP TABLE login_attempts;
DROP TABLE user_sessions;
DROP TABLE organization_memberships;
DROP TABLE users;
DROP TABLE organizations;
