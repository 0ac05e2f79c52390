//! Tokens from an external identity provider (OpenID Connect), on both
//! backends: an ES256 token verified with the provider's JWKS, served on
//! loopback by the test itself; a key rotation picked up without a restart;
//! wrong audiences, expired tokens and unknown subjects refused; a verified
//! email linking its account the first time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use switchboard_entity::users;
use switchboard_server::app::HttpConfig;
use switchboard_server::oidc::OidcConfig;
use switchboard_tests::{Backend, Tenant, TestDb, code, ok, on_both_backends, spawn_app_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_backends!(provider_tokens_act_as_their_linked_member_across_a_key_rotation);

const ISSUER: &str = "https://id.example.test";
const AUDIENCE: &str = "switchboard-api";
const VIEWER: &str = "{ viewer { role user { email } } }";

/// An ES256 signing key and its public JWK.
struct Key {
    kid: String,
    pem: String,
    jwk: Value,
}

fn key(kid: &str) -> Key {
    let secret = loop {
        let bytes: [u8; 32] = rand::random();
        if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
            break secret;
        }
    };
    let point =
        p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&secret.public_key(), false);
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    Key {
        kid: kid.into(),
        pem: secret
            .to_pkcs8_pem(LineEnding::LF)
            .expect("a PEM")
            .to_string(),
        jwk: json!({
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
            "x": b64(point.x().expect("x")), "y": b64(point.y().expect("y")),
        }),
    }
}

fn sign(key: &Key, claims: Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_ec_pem(key.pem.as_bytes()).expect("an EC key"),
    )
    .expect("signed")
}

fn claims(sub: &str, audience: &str, lifetime: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "iss": ISSUER, "aud": audience, "sub": sub, "iat": now, "exp": now + lifetime })
}

/// Serves `jwks` as JSON to every request on a loopback port; its URL.
async fn serve_jwks(jwks: Arc<Mutex<Value>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body = jwks.lock().expect("jwks").to_string();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("http://{address}/.well-known/jwks.json")
}

async fn provider_tokens_act_as_their_linked_member_across_a_key_rotation(backend: Backend) {
    let (first, second) = (key("first"), key("second"));
    let jwks = Arc::new(Mutex::new(json!({ "keys": [first.jwk] })));
    let jwks_url = serve_jwks(jwks.clone()).await;
    let config = HttpConfig {
        oidc: Some(OidcConfig {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            jwks_url,
            min_refetch: Duration::ZERO,
        }),
        ..HttpConfig::default()
    };
    let app = spawn_app_with(TestDb::migrated(backend).await, config).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    users::Entity::update_many()
        .col_expr(users::Column::ExternalSubject, Expr::value("idp|viewer"))
        .filter(users::Column::Id.eq(acme.viewer))
        .exec(&app.db.db)
        .await
        .expect("linked");

    let token = sign(&first, claims("idp|viewer", AUDIENCE, 600));
    let me = app.graphql(Some(&token), VIEWER, json!({})).await;
    assert_eq!(ok(&me)["viewer"]["role"], "VIEWER");

    for refused in [
        sign(&first, claims("idp|viewer", "another-api", 600)),
        sign(&first, claims("idp|viewer", AUDIENCE, -600)),
        sign(&first, claims("idp|nobody", AUDIENCE, 600)),
        // Signed by a key the provider does not publish.
        sign(&key("first"), claims("idp|viewer", AUDIENCE, 600)),
    ] {
        let body = app.graphql(Some(&refused), VIEWER, json!({})).await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    }

    // The provider rotates its key: the new kid is fetched on first sight.
    *jwks.lock().expect("jwks") = json!({ "keys": [second.jwk] });
    let rotated = sign(&second, claims("idp|viewer", AUDIENCE, 600));
    let me = app.graphql(Some(&rotated), VIEWER, json!({})).await;
    assert_eq!(ok(&me)["viewer"]["role"], "VIEWER");

    // A verified email links its account the first time; an unverified one never.
    let agent_email = users::Entity::find_by_id(acme.agent)
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("the agent")
        .email;
    let mut unverified = claims("idp|agent", AUDIENCE, 600);
    unverified["email"] = json!(agent_email);
    let body = app
        .graphql(Some(&sign(&second, unverified.clone())), VIEWER, json!({}))
        .await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let mut verified = unverified;
    verified["email_verified"] = json!(true);
    let body = app
        .graphql(Some(&sign(&second, verified)), VIEWER, json!({}))
        .await;
    assert_eq!(ok(&body)["viewer"]["role"], "AGENT");
    let linked = users::Entity::find_by_id(acme.agent)
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("the agent");
    assert_eq!(linked.external_subject.as_deref(), Some("idp|agent"));

    // Switchboard's own tokens keep working beside the provider's.
    ok(&app
        .graphql(Some(&acme.token(acme.owner)), VIEWER, json!({}))
        .await);
}
