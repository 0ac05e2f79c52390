//! The command line of `switchboard`: every flag is documented here and shown
//! by `--help`; each has an environment variable where a deployment needs one.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::telemetry::LogFormat;

/// The SQLite database used when no `DATABASE_URL` is given: a file in the
/// working directory, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://switchboard.db?mode=rwc";

/// Switchboard: the GraphQL API and system of record for AI-calling CRMs.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about, long_about = None)]
pub struct Cli {
    /// Log line format (logs go to stderr; filter with RUST_LOG).
    #[arg(
        long,
        env = "SWITCHBOARD_LOG_FORMAT",
        value_enum,
        default_value = "pretty",
        global = true
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (GraphQL at /graphql, GraphiQL at /, /healthz, /readyz, /metrics).
    ///
    /// Pending migrations run at start.
    Serve(Box<ServeArgs>),
    /// Apply, roll back or inspect the database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Print the GraphQL schema (SDL), as checked in at schema.graphql.
    Schema,
    /// Print a signed access token (HS256 JWT) for a member of an organization.
    Token(TokenArgs),
    /// Load a data set: the demo organization, or a benchmark set of any size.
    Seed(SeedArgs),
    /// Maintain the secrets key webhook signing secrets are sealed with.
    Secrets {
        #[command(subcommand)]
        action: SecretsAction,
    },
    /// Manage the database's roles (PostgreSQL).
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Maintain the analytics rollups.
    Analytics {
        #[command(subcommand)]
        action: AnalyticsAction,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum AnalyticsAction {
    /// Recompute `organization_analytics` and `agent_analytics` from calls,
    /// analyses and leads (each organization in one transaction), and check
    /// the call summary's day counts against calls, correcting what differs
    /// (PostgreSQL; always whole, whatever --from and --to say). On
    /// consistent data this changes nothing.
    Rebuild {
        /// Only this organization (id or slug); default every one.
        #[arg(long)]
        org: Option<String>,
        /// First day to rebuild (YYYY-MM-DD, in each organization's time zone).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day to rebuild, inclusive.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum DbAction {
    /// Create the runtime role `switchboard serve` connects as (NOSUPERUSER,
    /// NOBYPASSRLS: row-level security binds it) if it is missing, and grant
    /// it what it needs: connect, read and write rows, use sequences, and
    /// the same on tables created later by the owner. Run it as the owner
    /// (the role that migrates), after `switchboard migrate up`.
    Grant(GrantArgs),
}

#[derive(Debug, Clone, Args)]
pub struct GrantArgs {
    /// The runtime role's name (letters, digits and `_`).
    #[arg(long)]
    pub role: String,
    /// Give a new role this login password (without it the role has none:
    /// peer, certificate or trust authentication).
    #[arg(long, env = "SWITCHBOARD_RUNTIME_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub password: Option<SecretString>,
    /// Print the SQL instead of running it.
    #[arg(long)]
    pub print: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum SecretsAction {
    /// Re-seal every stored secret with a new key, in one transaction, and
    /// print how many. Restart the servers with the new key right after:
    /// until then they cannot open what was re-sealed.
    Rotate(RotateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct RotateArgs {
    /// The key the secrets are sealed with now (base64 of 32 bytes).
    #[arg(long = "secret-key", env = "SWITCHBOARD_SECRET_KEY", hide_env_values = true, value_parser = secret)]
    pub current_key: SecretString,
    /// The key to seal them with from now on (base64 of 32 bytes; make one
    /// with `openssl rand -base64 32`).
    #[arg(long, env = "SWITCHBOARD_NEW_SECRET_KEY", hide_env_values = true, value_parser = secret)]
    pub new_key: SecretString,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Reads a flag into a secret type, so it never reaches a log or `Debug`.
fn secret(text: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(text.into())
}

/// Where the database is. Its `Debug` shows the URL without its password.
#[derive(Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `postgres://user@host/db` or `sqlite://path.db`
    /// (`sqlite::memory:` for a throwaway database).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true, hide_env_values = true)]
    pub database_url: String,
}

impl std::fmt::Debug for DatabaseArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseArgs")
            .field("database_url", &crate::db::redact_url(&self.database_url))
            .finish()
    }
}

/// A database URL whose `Debug` leaves the password out.
#[derive(Clone)]
pub struct OwnerUrl(pub String);

impl std::str::FromStr for OwnerUrl {
    type Err = std::convert::Infallible;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        Ok(Self(url.to_owned()))
    }
}

impl std::fmt::Debug for OwnerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::db::redact_url(&self.0))
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The owner's database URL (PostgreSQL): migrations run as this role,
    /// and so does the narrow privileged path (logins, a webhook's
    /// organization by slug, the summary refresh, the clean-up), while
    /// requests run as the `--database-url` role under row-level security
    /// (create it with `switchboard db grant`). Without it, one role does
    /// everything and row-level security is not enforced.
    #[arg(long, env = "MIGRATE_DATABASE_URL", hide_env_values = true)]
    pub migrate_database_url: Option<OwnerUrl>,

    /// Load the demo organization into an empty database and print a dev token.
    #[arg(long)]
    pub demo: bool,

    /// Secret for signing access tokens (HS256), at least 32 bytes (outside
    /// --demo). Without it, a random secret is made at start, so tokens do
    /// not survive a restart.
    #[arg(long, env = "SWITCHBOARD_JWT_SECRET", hide_env_values = true, value_parser = secret)]
    pub jwt_secret: Option<SecretString>,

    /// Key that provider signing secrets are encrypted with at rest
    /// (AES-256-GCM): 32 bytes, base64 (`openssl rand -base64 32`). Required
    /// with SWITCHBOARD_JWT_SECRET (outside --demo); change it with
    /// `switchboard secrets rotate`.
    #[arg(long, env = "SWITCHBOARD_SECRET_KEY", hide_env_values = true, value_parser = secret)]
    pub secret_key: Option<SecretString>,

    /// Public address providers call webhooks on (e.g. https://api.example.com),
    /// when a proxy in front changes the scheme or host; Twilio signs the URL.
    #[arg(long, env = "SWITCHBOARD_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Minutes an access token issued by `logIn` lives (1 to 1440); clients
    /// refresh it with `refreshSession`.
    #[arg(
        long = "access-token-ttl",
        env = "SWITCHBOARD_ACCESS_TOKEN_TTL_MINUTES",
        default_value_t = 15,
        value_parser = clap::value_parser!(u32).range(1..=1440)
    )]
    pub access_token_ttl_minutes: u32,

    /// Refuse `signUp` (invite-only deployments).
    #[arg(long, env = "SWITCHBOARD_DISABLE_SIGN_UP")]
    pub disable_sign_up: bool,

    /// The front end's address, for the links in password-reset and
    /// verification mail (e.g. https://app.example.com); without it, mail
    /// gives the bare token.
    #[arg(long, env = "SWITCHBOARD_APP_URL")]
    pub app_url: Option<String>,

    /// An external identity provider (OpenID Connect) whose RS256/ES256
    /// tokens are accepted too: the `iss` they carry. Needs
    /// --oidc-audience and --oidc-jwks-url.
    #[arg(long, env = "SWITCHBOARD_OIDC_ISSUER", requires_all = ["oidc_audience", "oidc_jwks_url"])]
    pub oidc_issuer: Option<String>,

    /// The `aud` the provider's tokens must carry (this API's client id).
    #[arg(long, env = "SWITCHBOARD_OIDC_AUDIENCE")]
    pub oidc_audience: Option<String>,

    /// Where the provider publishes its signing keys (its JWKS).
    #[arg(long, env = "SWITCHBOARD_OIDC_JWKS_URL")]
    pub oidc_jwks_url: Option<String>,

    /// SMTP relay mail goes through (`smtps://user:pass@smtp.example.com`,
    /// `smtp://localhost:1025`); without it, mail is logged and kept in the
    /// `mail_outbox` table (development).
    #[arg(long, env = "SWITCHBOARD_SMTP_URL", hide_env_values = true, value_parser = secret)]
    pub smtp_url: Option<SecretString>,

    /// The sender of Switchboard's mail.
    #[arg(
        long,
        env = "SWITCHBOARD_MAIL_FROM",
        default_value = "Switchboard <no-reply@switchboard.localhost>"
    )]
    pub mail_from: String,

    /// Twilio account whose Messages API sends nurture sequences' SMS
    /// (`AC…`); without it, SMS steps use development messaging (recorded
    /// in `lead_messages`, nothing sent).
    #[arg(long, env = "SWITCHBOARD_TWILIO_ACCOUNT_SID", requires_all = ["twilio_auth_token", "twilio_from"])]
    pub twilio_account_sid: Option<String>,

    /// The Twilio account's auth token.
    #[arg(long, env = "SWITCHBOARD_TWILIO_AUTH_TOKEN", hide_env_values = true, value_parser = secret)]
    pub twilio_auth_token: Option<SecretString>,

    /// What SMS are sent from: an E.164 number of the account, or a
    /// Messaging Service SID (`MG…`).
    #[arg(long, env = "SWITCHBOARD_TWILIO_FROM")]
    pub twilio_from: Option<String>,

    /// Twilio's API address (a fake's, to test against).
    #[arg(
        long,
        env = "SWITCHBOARD_TWILIO_API_URL",
        default_value = "https://api.twilio.com"
    )]
    pub twilio_api_url: String,

    /// Seconds between folds of committed call-count changes into the call
    /// summary's day counts (PostgreSQL). The summary is exact either way;
    /// folding keeps it cheap to read.
    #[arg(long, env = "SWITCHBOARD_SUMMARY_FOLD_SECS", default_value_t = 5)]
    pub summary_fold_secs: u64,

    /// Seconds between rounds of the nurture sequence runner, which runs
    /// the steps that have fallen due (every instance runs it; each step
    /// runs once).
    #[arg(long, env = "SWITCHBOARD_SEQUENCE_POLL_SECS", default_value_t = 5)]
    pub sequence_poll_secs: u64,

    /// Seconds between rounds of the dialer, which places the scheduled
    /// calls that have fallen due (every instance runs it; each call is
    /// placed once).
    #[arg(long, env = "SWITCHBOARD_DIALER_POLL_SECS", default_value_t = 3)]
    pub dialer_poll_secs: u64,

    /// Seconds a voice provider has to answer a request to place a call
    /// (then the call is tried again later).
    #[arg(long, env = "SWITCHBOARD_DIAL_TIMEOUT_SECS", default_value_t = 10)]
    pub dial_timeout_secs: u64,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "SWITCHBOARD_BODY_LIMIT", default_value_t = 2 * 1024 * 1024)]
    pub body_limit: usize,

    /// Longest a request may run before it is answered with 408, in seconds.
    #[arg(long, env = "SWITCHBOARD_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Longest a database statement of a request may run, in seconds
    /// (PostgreSQL `statement_timeout`); default the request timeout, 0 = none.
    #[arg(long = "statement-timeout", env = "SWITCHBOARD_STATEMENT_TIMEOUT")]
    pub statement_timeout_secs: Option<u64>,

    /// Longest a client may take to send a request's headers, in seconds.
    #[arg(
        long = "header-read-timeout",
        env = "SWITCHBOARD_HEADER_READ_TIMEOUT",
        default_value_t = 10
    )]
    pub header_read_timeout_secs: u64,

    /// Most open connections (WebSockets included); beyond, new ones get 503.
    #[arg(long, env = "SWITCHBOARD_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Most open connections from one client address (IPv6 by /64), so one
    /// client cannot hold every place; beyond, new ones get 503.
    #[arg(
        long,
        env = "SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 256
    )]
    pub max_connections_per_address: usize,

    /// Seconds in-flight requests and open sockets get to finish at shutdown.
    #[arg(
        long = "shutdown-grace",
        env = "SWITCHBOARD_SHUTDOWN_GRACE",
        default_value_t = 10
    )]
    pub shutdown_grace_secs: u64,

    /// Requests per second per client address, on every route (0 = no limit).
    #[arg(long, env = "SWITCHBOARD_RATE_LIMIT_PER_IP", default_value_t = 200)]
    pub rate_limit_per_ip: u32,

    /// Requests a client address may burst above its rate.
    #[arg(
        long,
        env = "SWITCHBOARD_RATE_LIMIT_PER_IP_BURST",
        default_value_t = 400
    )]
    pub rate_limit_per_ip_burst: u32,

    /// Requests per second per bearer token on /graphql (0 = no limit).
    #[arg(long, env = "SWITCHBOARD_RATE_LIMIT_PER_TOKEN", default_value_t = 100)]
    pub rate_limit_per_token: u32,

    /// Requests a token may burst above its rate.
    #[arg(
        long,
        env = "SWITCHBOARD_RATE_LIMIT_PER_TOKEN_BURST",
        default_value_t = 300
    )]
    pub rate_limit_per_token_burst: u32,

    /// An origin browsers may call the API from (CORS); repeat or comma-separate.
    #[arg(
        long = "cors-origin",
        env = "SWITCHBOARD_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,

    /// Refuse introspection queries (hides the schema from clients).
    #[arg(long, env = "SWITCHBOARD_DISABLE_INTROSPECTION")]
    pub disable_introspection: bool,

    /// Deepest query nesting accepted (introspection aside).
    #[arg(long, env = "SWITCHBOARD_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,

    /// Deepest nesting under `__schema` / `__type` (the standard
    /// introspection query of GraphiQL and codegen tools needs about 13).
    #[arg(
        long,
        env = "SWITCHBOARD_MAX_INTROSPECTION_DEPTH",
        default_value_t = 24
    )]
    pub max_introspection_depth: usize,

    /// Most fields one query may select, fragments expanded.
    #[arg(long, env = "SWITCHBOARD_MAX_FIELDS", default_value_t = 1_000)]
    pub max_fields: usize,

    /// Most directives in one query.
    #[arg(long, env = "SWITCHBOARD_MAX_DIRECTIVES", default_value_t = 50)]
    pub max_directives: usize,

    /// Most fragment definitions in one query.
    #[arg(long, env = "SWITCHBOARD_MAX_FRAGMENTS", default_value_t = 200)]
    pub max_fragments: usize,

    /// Largest query complexity accepted (fields, multiplied by page sizes).
    #[arg(long, env = "SWITCHBOARD_MAX_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,

    /// Most aliases in one query.
    #[arg(long, env = "SWITCHBOARD_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,

    /// Most operations (subscriptions, queries) running at once on one
    /// WebSocket; a `subscribe` beyond it gets an `error` message
    /// (TOO_MANY_OPERATIONS) and the socket stays open.
    #[arg(long, env = "SWITCHBOARD_WS_MAX_OPERATIONS", default_value_t = 25)]
    pub ws_max_operations: usize,

    /// Seconds a WebSocket may stay open without `connection_init` before it
    /// is closed with 4408.
    #[arg(long, env = "SWITCHBOARD_WS_INIT_TIMEOUT_SECS", default_value_t = 10)]
    pub ws_init_timeout_secs: u64,

    /// Seconds between re-checks of the memberships behind open sockets and
    /// event streams (one statement per instance); a suspended or removed
    /// member's connections close within this.
    #[arg(long, env = "SWITCHBOARD_ACCESS_RECHECK_SECS", default_value_t = 5)]
    pub access_recheck_secs: u64,

    /// A bearer token that `GET /metrics` then requires (Prometheus'
    /// `authorization` setting); without it the metrics are open to anyone
    /// who can reach the server.
    #[arg(long, env = "SWITCHBOARD_METRICS_TOKEN", hide_env_values = true, value_parser = secret)]
    pub metrics_token: Option<SecretString>,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back applied migrations: the last N with --steps, else all of them.
    Down {
        /// How many migrations to roll back.
        #[arg(long)]
        steps: Option<u32>,
    },
    /// List every migration and whether it is applied.
    Status,
    /// Roll back everything, then apply every migration again.
    Fresh,
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The organization: its id or slug.
    #[arg(long)]
    pub org: String,
    /// The member: their user id or email.
    #[arg(long)]
    pub user: String,
    /// How long the token is valid, e.g. 15m, 24h, 7d (at most 7d).
    #[arg(long, default_value = "24h", value_parser = parse_ttl)]
    pub ttl: chrono::Duration,
    /// Secret for signing access tokens (HS256); the server must use the same.
    #[arg(long, env = "SWITCHBOARD_JWT_SECRET", hide_env_values = true, value_parser = secret)]
    pub jwt_secret: SecretString,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct SeedChoice {
    /// The demo organization (skipped if it is already there).
    #[arg(long)]
    pub demo: bool,
    /// A benchmark data set: N x (10,000 leads, 50,000 calls with transcripts).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub choice: SeedChoice,
    /// With --scale: also N x 10,000 customers (one for each of the set's
    /// leads, `CUST-<year>-<NNNN>`) with N x 100,000 orders over the last
    /// two years, unevenly (some customers none, a long tail), then their
    /// RFM scores.
    // `requires` alone lets `--demo` through: clap waives a requirement
    // that conflicts with an argument given (`--scale` with `--demo`).
    #[arg(long, requires = "scale", conflicts_with = "demo")]
    pub customers: bool,
    /// Seed for the random generator, for a reproducible data set.
    #[arg(long, default_value_t = 42)]
    pub random_seed: u64,
    /// Hide the progress bar.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Parses `90s`, `15m`, `24h` or `7d`, at most the longest a token may live.
pub fn parse_ttl(text: &str) -> Result<chrono::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` needs a unit: s, m, h or d"))?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a number"))?;
    let duration = match unit {
        "s" => chrono::Duration::seconds(n),
        "m" => chrono::Duration::minutes(n),
        "h" => chrono::Duration::hours(n),
        "d" => chrono::Duration::days(n),
        other => return Err(format!("unknown unit `{other}`: use s, m, h or d")),
    };
    if duration <= chrono::Duration::zero() {
        return Err("the time to live must be positive".into());
    }
    let max = switchboard_domain::auth::MAX_TOKEN_LIFETIME;
    if duration > max {
        return Err(format!(
            "a token lives at most {}d: mint a new one instead",
            max.num_days()
        ));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn debug_output_leaves_secrets_out() {
        let cli = Cli::try_parse_from([
            "switchboard",
            "serve",
            "--database-url",
            "postgres://app:hunter2@db/x",
            "--jwt-secret",
            "a-jwt-secret-of-at-least-32-bytes!!",
            "--secret-key",
            "c2VjcmV0LWtleS1vZi0zMi1ieXRlcy1leGFjdGx5ISE=",
        ])
        .expect("parses");
        let printed = format!("{cli:?}");
        assert!(printed.contains("postgres://app:***@db/x"), "{printed}");
        for secret in ["hunter2", "a-jwt-secret", "c2VjcmV0"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
    }

    #[test]
    fn ttls_take_seconds_minutes_hours_and_days() {
        assert_eq!(parse_ttl("90s"), Ok(chrono::Duration::seconds(90)));
        assert_eq!(parse_ttl("24h"), Ok(chrono::Duration::hours(24)));
        assert_eq!(parse_ttl("7d"), Ok(chrono::Duration::days(7)));
        assert!(parse_ttl("24").is_err());
        assert!(parse_ttl("0h").is_err());
        assert!(parse_ttl("3w").is_err());
        assert!(parse_ttl("8d").is_err(), "past the maximum lifetime");
        assert!(parse_ttl("3650d").is_err());
    }
}
