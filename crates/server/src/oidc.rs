//! Access tokens from an external identity provider (OpenID Connect):
//! RS256 or ES256 JWTs whose issuer and audience are configured, verified
//! with the provider's published keys (its JWKS).
//!
//! Keys are fetched once and cached by key id; a token naming a key id the
//! cache lacks refetches the set (at most every [`REFETCH_AFTER`], each
//! fetch bounded by [`FETCH_TIMEOUT`]), so a provider's key rotation is
//! picked up without a restart. The token's `sub` names the user through
//! `users.external_subject` ([`switchboard_app::identity::access`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::Mutex;
use uuid::Uuid;

/// The shortest interval between two fetches of the key set.
pub const REFETCH_AFTER: Duration = Duration::from_secs(30);
/// The longest one fetch of the key set may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the provider is and who its tokens are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// The `iss` its tokens carry.
    pub issuer: String,
    /// The `aud` its tokens must carry (this API's client id).
    pub audience: String,
    /// Where its key set is published.
    pub jwks_url: String,
    /// The shortest interval between two fetches of the key set
    /// ([`REFETCH_AFTER`] unless a test wants every unknown key fetched).
    pub min_refetch: Duration,
}

/// What Switchboard reads of a provider's token.
#[derive(Debug, Clone, Deserialize)]
pub struct ExternalClaims {
    pub sub: String,
    pub exp: i64,
    /// The organization to act in (a custom claim); else the user's first.
    #[serde(default)]
    pub org: Option<Uuid>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: Option<bool>,
}

#[derive(Default)]
struct Keys {
    by_id: HashMap<String, (DecodingKey, Algorithm)>,
    fetched_at: Option<Instant>,
}

/// A provider's verifier, shared by every request.
#[derive(Clone)]
pub struct Oidc {
    config: Arc<OidcConfig>,
    http: reqwest::Client,
    keys: Arc<Mutex<Keys>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Oidc {
    pub fn new(config: OidcConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            config: Arc::new(config),
            http,
            keys: Arc::default(),
        }
    }

    /// Verifies a provider's token; the reason when it is refused.
    pub async fn verify(&self, token: &str) -> Result<ExternalClaims, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| "the token is invalid")?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err("the token is invalid".into());
        }
        let kid = header.kid.ok_or("the token names no signing key")?;
        let (key, alg) = self.key(&kid).await?;
        if alg != header.alg {
            return Err("the token is invalid".into());
        }
        let mut validation = Validation::new(alg);
        validation.leeway = 60;
        validation.set_issuer(&[self.config.issuer.as_str()]);
        validation.set_audience(&[self.config.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        jsonwebtoken::decode::<ExternalClaims>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|err| match err.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => "the token has expired".into(),
                _ => "the token is invalid".into(),
            })
    }

    /// The key `kid`, refetching the set when it is unknown (not more
    /// often than every [`REFETCH_AFTER`]).
    async fn key(&self, kid: &str) -> Result<(DecodingKey, Algorithm), String> {
        let mut keys = self.keys.lock().await;
        if let Some(found) = keys.by_id.get(kid) {
            return Ok(found.clone());
        }
        let stale = keys
            .fetched_at
            .is_none_or(|at| at.elapsed() >= self.config.min_refetch);
        if stale {
            keys.fetched_at = Some(Instant::now());
            match self.fetch().await {
                Ok(fetched) => keys.by_id = fetched,
                Err(err) => {
                    tracing::warn!(error = %err, url = %self.config.jwks_url, "fetching the identity provider's keys failed")
                }
            }
        }
        keys.by_id
            .get(kid)
            .cloned()
            .ok_or_else(|| "the token's signing key is unknown".into())
    }

    async fn fetch(&self) -> Result<HashMap<String, (DecodingKey, Algorithm)>, String> {
        let set: JwkSet = self
            .http
            .get(&self.config.jwks_url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else {
                continue;
            };
            let alg = match &jwk.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
                jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                _ => continue,
            };
            if let Ok(key) = DecodingKey::from_jwk(jwk) {
                keys.insert(kid, (key, alg));
            }
        }
        Ok(keys)
    }
}
