//! From `switchboard serve`'s flags to the server's settings, refusing
//! unsafe secrets before anything starts.
//!
//! Outside `--demo`:
//! - a JWT secret shorter than [`MIN_JWT_SECRET_LEN`] bytes is refused (a
//!   short HS256 secret can be brute-forced from one token);
//! - a configured JWT secret requires a separate `SWITCHBOARD_SECRET_KEY`:
//!   the key sealing webhook secrets is never derived from the JWT secret,
//!   so neither leaks the other and each rotates on its own.
//!
//! With `--demo`, or with no JWT secret at all (a random one per process),
//! a missing key is derived from the JWT secret, with a warning.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use switchboard_app::identity::IdentityConfig;
use switchboard_app::identity::mail::{Mailer, SmtpMailer};
use switchboard_app::messaging::Channels;
use switchboard_domain::secrets::SecretKey;
use uuid::Uuid;

use crate::app::HttpConfig;
use crate::cli::ServeArgs;
use crate::messaging::TwilioSms;
use crate::rate_limit::RateLimit;
use crate::serve::ServeLimits;

/// The shortest JWT secret accepted outside `--demo`: 256 bits, the HS256
/// key size.
pub const MIN_JWT_SECRET_LEN: usize = 32;

/// What `serve` runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub http: HttpConfig,
    /// `statement_timeout` of the API's PostgreSQL sessions; `None` for none.
    pub statement_timeout: Option<Duration>,
}

/// Checks the flags and builds the settings; errors say what to change.
pub fn from_args(args: &ServeArgs) -> anyhow::Result<Settings> {
    let configured = args
        .jwt_secret
        .as_ref()
        .filter(|secret| !secret.expose_secret().is_empty());
    let jwt_secret: SecretString = match configured {
        Some(secret) => {
            let len = secret.expose_secret().len();
            if !args.demo && len < MIN_JWT_SECRET_LEN {
                bail!(
                    "SWITCHBOARD_JWT_SECRET is {len} bytes; it must be at least \
                     {MIN_JWT_SECRET_LEN} (make one with `openssl rand -base64 48`)"
                );
            }
            secret.clone()
        }
        None => {
            tracing::warn!(
                "SWITCHBOARD_JWT_SECRET is not set: using a random secret; tokens end with this process"
            );
            format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple()).into()
        }
    };
    let secret_key = match args
        .secret_key
        .as_ref()
        .filter(|key| !key.expose_secret().is_empty())
    {
        Some(key) => {
            SecretKey::from_base64(key.expose_secret()).context("SWITCHBOARD_SECRET_KEY")?
        }
        None if configured.is_some() && !args.demo => bail!(
            "SWITCHBOARD_SECRET_KEY is required with SWITCHBOARD_JWT_SECRET: the key that \
             seals webhook secrets is not derived from the JWT secret (make one with \
             `openssl rand -base64 32`)"
        ),
        None => {
            tracing::warn!(
                "SWITCHBOARD_SECRET_KEY is not set: webhook signing secrets are sealed with a \
                 development key derived from the JWT secret"
            );
            SecretKey::derive(jwt_secret.expose_secret().as_bytes())
        }
    };
    let cors_origins = args
        .cors_origins
        .iter()
        .map(|origin| {
            axum::http::HeaderValue::from_str(origin.trim())
                .with_context(|| format!("`{origin}` is not a valid origin"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mailer: Option<Arc<dyn Mailer>> = match &args.smtp_url {
        Some(url) if !url.expose_secret().is_empty() => Some(Arc::new(
            SmtpMailer::new(url.expose_secret(), &args.mail_from)
                .map_err(anyhow::Error::msg)
                .context("SWITCHBOARD_SMTP_URL")?,
        )),
        _ => {
            tracing::info!(
                "SWITCHBOARD_SMTP_URL is not set: mail is logged and kept in the mail_outbox table"
            );
            None
        }
    };
    let mut messaging = Channels::development();
    if let Some(mailer) = &mailer {
        messaging = messaging.with_email(mailer.clone());
    }
    match (
        &args.twilio_account_sid,
        &args.twilio_auth_token,
        &args.twilio_from,
    ) {
        (Some(sid), Some(token), Some(from)) => {
            let twilio = TwilioSms::new(&args.twilio_api_url, sid, token.clone(), from)
                .map_err(anyhow::Error::msg)
                .context("SWITCHBOARD_TWILIO_*")?;
            messaging = messaging.with_sms(Arc::new(twilio));
        }
        (None, None, None) => tracing::info!(
            "SWITCHBOARD_TWILIO_ACCOUNT_SID is not set: nurture SMS are recorded, not sent"
        ),
        _ => bail!(
            "SWITCHBOARD_TWILIO_ACCOUNT_SID, SWITCHBOARD_TWILIO_AUTH_TOKEN and SWITCHBOARD_TWILIO_FROM go together"
        ),
    }
    let identity = IdentityConfig {
        jwt_secret: jwt_secret.clone(),
        access_token_ttl: chrono::Duration::minutes(i64::from(args.access_token_ttl_minutes)),
        sign_up: !args.disable_sign_up,
        public_url: args.app_url.clone(),
    };
    let request_timeout = Duration::from_secs(args.request_timeout_secs);
    let statement_timeout = match args.statement_timeout_secs {
        None => Some(request_timeout),
        Some(0) => None,
        Some(secs) => Some(Duration::from_secs(secs)),
    }
    .filter(|timeout| !timeout.is_zero());
    let oidc = match (&args.oidc_issuer, &args.oidc_audience, &args.oidc_jwks_url) {
        (Some(issuer), Some(audience), Some(jwks_url)) => Some(crate::oidc::OidcConfig {
            issuer: issuer.clone(),
            audience: audience.clone(),
            jwks_url: jwks_url.clone(),
            min_refetch: crate::oidc::REFETCH_AFTER,
        }),
        (None, _, _) => None,
        _ => bail!(
            "SWITCHBOARD_OIDC_ISSUER needs SWITCHBOARD_OIDC_AUDIENCE and SWITCHBOARD_OIDC_JWKS_URL"
        ),
    };
    let http = HttpConfig {
        oidc,
        body_limit: args.body_limit,
        request_timeout,
        graphiql_token: None,
        jwt_secret: jwt_secret.expose_secret().to_owned(),
        cors_origins,
        schema: switchboard_graphql::SchemaConfig {
            max_depth: args.max_depth,
            max_introspection_depth: args.max_introspection_depth,
            max_fields: args.max_fields,
            max_directives: args.max_directives,
            max_fragments: args.max_fragments,
            max_complexity: args.max_complexity,
            max_aliases: args.max_aliases,
            introspection: !args.disable_introspection,
            secret_key: Arc::new(secret_key),
            identity,
            mailer,
        },
        public_url: args.public_url.clone(),
        summary_fold: Duration::from_secs(Ord::max(args.summary_fold_secs, 1)),
        sequence_poll: Some(Duration::from_secs(Ord::max(args.sequence_poll_secs, 1))),
        messaging: Some(Arc::new(messaging)),
        dial_timeout: Duration::from_secs(Ord::max(args.dial_timeout_secs, 1)),
        dialer_poll: Some(Duration::from_secs(Ord::max(args.dialer_poll_secs, 1))),
        keepalive: Duration::from_secs(15),
        ws_max_operations: Ord::max(args.ws_max_operations, 1),
        ws_init_timeout: Duration::from_secs(Ord::max(args.ws_init_timeout_secs, 1)),
        access_recheck: Duration::from_secs(Ord::max(args.access_recheck_secs, 1)),
        rate_limit_per_ip: RateLimit {
            per_second: args.rate_limit_per_ip,
            burst: args.rate_limit_per_ip_burst,
        },
        rate_limit_per_token: RateLimit {
            per_second: args.rate_limit_per_token,
            burst: args.rate_limit_per_token_burst,
        },
        serve: ServeLimits {
            max_connections: args.max_connections.max(1),
            max_connections_per_address: args.max_connections_per_address.max(1),
            header_read_timeout: Duration::from_secs(args.header_read_timeout_secs.max(1)),
            shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
        },
        metrics_token: args
            .metrics_token
            .clone()
            .filter(|token| !token.expose_secret().is_empty()),
    };
    Ok(Settings {
        http,
        statement_timeout,
    })
}
