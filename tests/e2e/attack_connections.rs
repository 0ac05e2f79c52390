//! What an attacker tries on the connection itself: slow headers, too many
//! connections, floods of requests, stopping a busy server; the coded error
//! bodies of the HTTP layer; the startup rules for secrets, their rotation
//! and the longest a token may live.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_domain::secrets::SecretKey;
use switchboard_domain::webhooks::{Provider, sign_vapi};
use switchboard_graphql::SchemaConfig;
use switchboard_server::app::{Application, DEFAULT_SERVE_LIMITS, HttpConfig};
use switchboard_server::cli::{Cli, Command, ServeArgs};
use switchboard_server::rate_limit::RateLimit;
use switchboard_tests::{
    Backend, JWT_SECRET, Tenant, TestDb, available, ok, on_both_backends, spawn_app_with,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

on_both_backends!(secrets_rotate_reseals_every_webhook_secret);

/// A server of its own, stopped by completing the returned sender.
struct Running {
    address: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(db: sea_orm::DatabaseConnection, mut config: HttpConfig) -> Running {
    config.jwt_secret = JWT_SECRET.to_owned();
    let app = Application::bind("127.0.0.1:0".parse().expect("address"), db, config)
        .await
        .expect("binds");
    let address = app.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    Running {
        address,
        stop,
        done,
    }
}

impl Running {
    /// Signals shutdown; returns how long `run_until` took to return.
    async fn shut_down(self) -> Duration {
        let started = Instant::now();
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(15), self.done)
            .await
            .expect("run_until returns")
            .expect("joins")
            .expect("serves without error");
        started.elapsed()
    }
}

fn config(change: impl FnOnce(&mut HttpConfig)) -> HttpConfig {
    let mut config = HttpConfig::default();
    change(&mut config);
    config
}

/// Reads one HTTP/1.1 response (headers and a `content-length` body):
/// status, lower-cased head, body.
async fn read_response(stream: &mut TcpStream) -> (u16, String, String) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&buffer).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = text[..end].to_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |n| n.trim().parse::<usize>().expect("a length"));
            if buffer.len() >= end + 4 + length {
                let status = head[9..12].parse().expect("a status");
                let body = text[end + 4..end + 4 + length].to_owned();
                return (status, head, body);
            }
        }
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("an answer within 10 s")
            .expect("reads");
        assert!(read > 0, "closed before a full response: {buffer:?}");
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// Whether the server closes `stream` within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut chunk = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline.into(), stream.read(&mut chunk)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// A body in the GraphQL error shape with `code` and no `data`.
fn assert_coded(body: &str, code: &str) {
    let value: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON: {body:?}"));
    assert_eq!(value["errors"][0]["extensions"]["code"], code, "{value}");
    assert!(value["errors"][0]["message"].is_string(), "{value}");
    assert!(value.get("data").is_none(), "no data entry: {value}");
}

async fn sqlite() -> sea_orm::DatabaseConnection {
    // An in-memory database lives as long as its pool, not the `TestDb`.
    TestDb::migrated(Backend::Sqlite).await.db.clone()
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nhost: test\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_sending_half_its_headers_is_closed_within_the_header_timeout() {
    let timeout = Duration::from_millis(800);
    let server = start(
        sqlite().await,
        config(|c| c.serve.header_read_timeout = timeout),
    )
    .await;
    let started = Instant::now();
    let mut half = TcpStream::connect(server.address).await.expect("connects");
    half.write_all(b"POST /graphql HTTP/1.1\r\nhost: test\r\ncontent-type: appl")
        .await
        .expect("writes");
    // Too little to tell HTTP/1 from HTTP/2: held to the same deadline.
    let mut silent = TcpStream::connect(server.address).await.expect("connects");
    silent.write_all(b"GE").await.expect("writes");
    assert!(closed_within(&mut half, Duration::from_secs(3)).await);
    assert!(closed_within(&mut silent, Duration::from_secs(1)).await);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= timeout - Duration::from_millis(100) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    // A client that sends its headers in time is served.
    let mut fine = TcpStream::connect(server.address).await.expect("connects");
    fine.write_all(HEALTHZ).await.expect("writes");
    assert_eq!(read_response(&mut fine).await.0, 200);
    server.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_cap_refuses_the_next_connection() {
    let server = start(sqlite().await, config(|c| c.serve.max_connections = 2)).await;
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.address).await.expect("connects");
        stream.write_all(HEALTHZ).await.expect("writes");
        assert_eq!(read_response(&mut stream).await.0, 200);
        open.push(stream);
    }
    let mut third = TcpStream::connect(server.address).await.expect("connects");
    third.write_all(HEALTHZ).await.expect("writes");
    let (status, head, body) = read_response(&mut third).await;
    assert_eq!(status, 503, "{head}");
    assert!(head.contains("retry-after: 1"), "{head}");
    assert_coded(&body, "SERVICE_UNAVAILABLE");
    assert!(closed_within(&mut third, Duration::from_secs(2)).await);

    // A closed connection frees its place.
    drop(open.remove(0));
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let mut next = TcpStream::connect(server.address).await.expect("connects");
        next.write_all(HEALTHZ).await.expect("writes");
        let (status, _, _) = read_response(&mut next).await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the freed place is never reused");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_hold_every_connection() {
    let server = start(
        sqlite().await,
        config(|c| c.serve.max_connections_per_address = 2),
    )
    .await;
    let from = |source: &str| {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind(format!("{source}:0").parse().expect("source address"))
            .expect("binds a loopback source");
        socket.connect(server.address)
    };
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut stream = from("127.0.0.1").await.expect("connects");
        stream.write_all(HEALTHZ).await.expect("writes");
        assert_eq!(read_response(&mut stream).await.0, 200);
        open.push(stream);
    }
    let mut third = from("127.0.0.1").await.expect("connects");
    third.write_all(HEALTHZ).await.expect("writes");
    let (status, head, body) = read_response(&mut third).await;
    assert_eq!(status, 503, "{head}");
    assert_coded(&body, "SERVICE_UNAVAILABLE");
    // Another client address still gets a place.
    let mut other = from("127.0.0.2").await.expect("connects");
    other.write_all(HEALTHZ).await.expect("writes");
    assert_eq!(read_response(&mut other).await.0, 200);
    server.shut_down().await;
}

async fn post_graphql(
    client: &reqwest::Client,
    server: &Running,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = client
        .post(format!("http://{}/graphql", server.address))
        .json(&json!({ "query": "{ __typename }" }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("sent")
}

/// A 429 with `Retry-After` and the coded body; returns the wait.
async fn assert_limited(response: reqwest::Response) -> Duration {
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_coded(&response.text().await.expect("body"), "RATE_LIMITED");
    Duration::from_secs(retry_after)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursting_past_the_address_limit_gets_429_on_every_route_then_recovers() {
    let server = start(
        sqlite().await,
        config(|c| {
            c.rate_limit_per_ip = RateLimit {
                per_second: 1,
                burst: 3,
            };
            c.rate_limit_per_token = RateLimit::OFF;
        }),
    )
    .await;
    let client = reqwest::Client::new();
    for _ in 0..3 {
        assert_eq!(post_graphql(&client, &server, None).await.status(), 200);
    }
    let wait = assert_limited(post_graphql(&client, &server, None).await).await;
    let webhook = client
        .post(format!("http://{}/webhooks/vapi?org=acme", server.address))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("sent");
    assert_limited(webhook).await;
    let upgrade = client
        .get(format!("http://{}/graphql", server.address))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-protocol", "graphql-transport-ws")
        .send()
        .await
        .expect("sent");
    assert_limited(upgrade).await;

    tokio::time::sleep(wait + Duration::from_millis(100)).await;
    let again = post_graphql(&client, &server, None).await;
    assert_eq!(again.status(), 200);
    let body: Value = again.json().await.expect("json");
    assert_eq!(ok(&body)["__typename"], "Query");
    server.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursting_past_the_token_limit_gets_429_for_that_token_only() {
    let db = sqlite().await;
    let acme = Tenant::create(&db, "acme").await;
    let server = start(
        db,
        config(|c| {
            c.rate_limit_per_ip = RateLimit::OFF;
            c.rate_limit_per_token = RateLimit {
                per_second: 1,
                burst: 2,
            };
        }),
    )
    .await;
    let client = reqwest::Client::new();
    let (hot, other) = (acme.token(acme.owner), acme.token(acme.agent));
    for _ in 0..2 {
        assert_eq!(
            post_graphql(&client, &server, Some(&hot)).await.status(),
            200
        );
    }
    let wait = assert_limited(post_graphql(&client, &server, Some(&hot)).await).await;
    assert_eq!(
        post_graphql(&client, &server, Some(&other)).await.status(),
        200,
        "another token has its own bucket"
    );
    assert_eq!(post_graphql(&client, &server, None).await.status(), 200);

    tokio::time::sleep(wait + Duration::from_millis(100)).await;
    let again = post_graphql(&client, &server, Some(&hot)).await;
    assert_eq!(again.status(), 200);
    let body: Value = again.json().await.expect("json");
    assert_eq!(ok(&body)["__typename"], "Query");
    server.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_of_the_http_layer_have_codes_and_no_data() {
    let server = start(
        sqlite().await,
        config(|c| {
            c.body_limit = 1024;
            c.request_timeout = Duration::from_millis(500);
        }),
    )
    .await;
    let client = reqwest::Client::new();
    let base = format!("http://{}", server.address);
    let check = |response: reqwest::Response, status: u16, code: &'static str| async move {
        assert_eq!(response.status(), status, "{code}");
        assert_eq!(response.headers()["content-type"], "application/json");
        let body = response.text().await.expect("body");
        assert_coded(&body, code);
    };

    let missing = client
        .get(format!("{base}/nope"))
        .send()
        .await
        .expect("sent");
    check(missing, 404, "NOT_FOUND").await;

    let wrong_method = client
        .put(format!("{base}/graphql"))
        .send()
        .await
        .expect("sent");
    assert!(wrong_method.headers().contains_key("allow"));
    check(wrong_method, 405, "METHOD_NOT_ALLOWED").await;

    let too_large = client
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"query":"{}"}}"#, " ".repeat(4096)))
        .send()
        .await
        .expect("sent");
    check(too_large, 413, "PAYLOAD_TOO_LARGE").await;

    let plain_text = client
        .post(format!("{base}/graphql"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("sent");
    check(plain_text, 415, "UNSUPPORTED_MEDIA_TYPE").await;

    // A body that never finishes arriving runs into the request timeout.
    let mut slow = TcpStream::connect(server.address).await.expect("connects");
    slow.write_all(
        b"POST /graphql HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
          content-length: 100\r\n\r\n{\"query\":",
    )
    .await
    .expect("writes");
    let (status, head, body) = read_response(&mut slow).await;
    assert_eq!(status, 408, "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert_coded(&body, "REQUEST_TIMEOUT");
    server.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_server_shuts_down_at_once_and_stops_listening() {
    let grace = Duration::from_secs(5);
    let server = start(sqlite().await, config(|c| c.serve.shutdown_grace = grace)).await;
    let address = server.address;
    // Leaves an idle keep-alive connection in the client's pool.
    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(health.status(), 200);
    let took = server.shut_down().await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(
        TcpStream::connect(address).await.is_err(),
        "still listening"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_within_the_grace_period_while_a_request_is_running() {
    let grace = Duration::from_secs(1);
    let server = start(sqlite().await, config(|c| c.serve.shutdown_grace = grace)).await;
    // A request still in flight: its body never finishes arriving.
    let mut slow = TcpStream::connect(server.address).await.expect("connects");
    slow.write_all(
        b"POST /graphql HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
          content-length: 100\r\n\r\n{\"query\":",
    )
    .await
    .expect("writes");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let took = server.shut_down().await;
    assert!(
        took >= grace - Duration::from_millis(100),
        "the request got its grace period: {took:?}"
    );
    assert!(took < grace + Duration::from_secs(2), "{took:?}");
    assert!(closed_within(&mut slow, Duration::from_secs(2)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_within_the_grace_period_while_a_websocket_is_open() {
    let grace = Duration::from_secs(1);
    let db = sqlite().await;
    let acme = Tenant::create(&db, "acme").await;
    let server = start(db, config(|c| c.serve.shutdown_grace = grace)).await;
    let mut request = format!("ws://{}/graphql", server.address)
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", acme.token(acme.owner)) } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .expect("sent");
    let ack = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("an answer")
        .expect("a message")
        .expect("ok");
    assert!(ack.to_text().expect("text").contains("connection_ack"));

    let took = server.shut_down().await;
    assert!(took < grace + Duration::from_secs(2), "{took:?}");
    // The socket is closed (a close frame, or the connection ends).
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match socket.next().await {
                None | Some(Err(_) | Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the socket stays open after shutdown");
}

const SECRET: &str = "whsec_rotate_0123456789";

async fn deliver_vapi(base: &str) -> u16 {
    let body = json!({ "message": {
        "type": "status-update", "status": "in-progress",
        "timestamp": chrono::Utc::now().timestamp_millis(),
        "call": { "id": "vapi-rotate-1", "type": "inboundPhoneCall", "customer": { "number": "+12125550101" } }
    }})
    .to_string();
    reqwest::Client::new()
        .post(format!("{base}/webhooks/vapi?org=acme"))
        .header("content-type", "application/json")
        .header("x-vapi-signature", sign_vapi(SECRET, body.as_bytes()))
        .body(body)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

async fn secrets_rotate_reseals_every_webhook_secret(backend: Backend) {
    let (old, new) = (SecretKey::generate(), SecretKey::generate());
    let with_key = |key: &SecretKey| HttpConfig {
        schema: SchemaConfig {
            secret_key: Arc::new(key.clone()),
            ..SchemaConfig::default()
        },
        ..HttpConfig::default()
    };
    let app = spawn_app_with(TestDb::migrated(backend).await, with_key(&old)).await;
    let acme = Tenant::create(&app.db.db, "acme").await;
    let set = app
        .graphql(
            Some(&acme.token(acme.admin)),
            "mutation($s: String!) { setWebhookSecret(provider: VAPI, secret: $s) { configured } }",
            json!({ "s": SECRET }),
        )
        .await;
    assert_eq!(ok(&set)["setWebhookSecret"]["configured"], true);
    let stored = |key: &SecretKey| {
        let (db, key) = (app.db.db.clone(), key.clone());
        async move {
            switchboard_app::webhooks::signing_secret(
                &db,
                &key,
                acme.organization_id,
                Provider::Vapi,
            )
            .await
        }
    };

    // The wrong current key changes nothing.
    let wrong = switchboard_server::secrets::rotate(&app.db.db, &SecretKey::generate(), &new).await;
    assert!(wrong.is_err());
    assert_eq!(stored(&old).await.expect("opens"), Some(SECRET.to_owned()));

    let rotated = if backend == Backend::Postgres {
        // Through the command line, as an operator would.
        let cli = Cli::try_parse_from([
            "switchboard",
            "secrets",
            "rotate",
            "--secret-key",
            &old.to_base64(),
            "--new-key",
            &new.to_base64(),
            "--database-url",
            &app.db.url,
        ])
        .expect("parses");
        let Command::Secrets {
            action: switchboard_server::cli::SecretsAction::Rotate(args),
        } = cli.command
        else {
            panic!("not secrets rotate");
        };
        switchboard_server::commands::rotate_secrets(args).await
    } else {
        // An in-memory database is reachable only through its pool.
        switchboard_server::secrets::rotate(&app.db.db, &old, &new).await
    }
    .expect("rotates");
    assert_eq!(rotated, 1);
    assert_eq!(stored(&new).await.expect("opens"), Some(SECRET.to_owned()));
    assert!(
        stored(&old).await.is_err(),
        "the old key no longer opens it"
    );

    // A server with the new key verifies deliveries; one with the old cannot.
    let renewed = start(app.db.db.clone(), with_key(&new)).await;
    assert_eq!(
        deliver_vapi(&format!("http://{}", renewed.address)).await,
        200
    );
    assert_ne!(deliver_vapi(&app.base_url).await, 200);
    renewed.shut_down().await;
}

fn serve_args(flags: &[&str]) -> ServeArgs {
    let cli = Cli::try_parse_from(["switchboard", "serve"].iter().chain(flags)).expect("parses");
    match cli.command {
        Command::Serve(args) => *args,
        other => panic!("not serve: {other:?}"),
    }
}

#[test]
fn startup_refuses_a_short_jwt_secret_and_a_missing_secret_key() {
    let long = "a-jwt-secret-of-at-least-32-bytes!!";
    let key = SecretKey::generate().to_base64();
    let error = |flags: &[&str]| {
        format!(
            "{:#}",
            switchboard_server::settings::from_args(&serve_args(flags)).expect_err("refused")
        )
    };

    assert!(
        error(&["--jwt-secret", "change-me"]).contains("at least 32"),
        "the README's old example is refused"
    );
    assert!(
        error(&["--jwt-secret", long]).contains("SWITCHBOARD_SECRET_KEY is required"),
        "no key derived from the JWT secret"
    );
    assert!(error(&["--jwt-secret", long, "--secret-key", "c2hvcnQ="]).contains("32"));

    let settings = switchboard_server::settings::from_args(&serve_args(&[
        "--jwt-secret",
        long,
        "--secret-key",
        &key,
    ]))
    .expect("a long secret and a key start");
    assert_eq!(settings.http.schema.secret_key.to_base64(), key);
    assert_eq!(settings.http.jwt_secret, long);
    assert_eq!(
        settings.statement_timeout,
        Some(Duration::from_secs(30)),
        "statements time out with requests by default"
    );
    assert_eq!(
        settings.http.serve.max_connections,
        DEFAULT_SERVE_LIMITS.max_connections
    );

    // Development: the demo, or no configured secret at all.
    for flags in [&["--demo", "--jwt-secret", "change-me"][..], &[]] {
        switchboard_server::settings::from_args(&serve_args(flags))
            .unwrap_or_else(|e| panic!("{flags:?} starts: {e:#}"));
    }
    let off = switchboard_server::settings::from_args(&serve_args(&["--statement-timeout", "0"]))
        .expect("starts");
    assert_eq!(off.statement_timeout, None);
}

#[test]
fn tokens_live_seven_days_at_most() {
    let token = |ttl: &str| {
        Cli::try_parse_from([
            "switchboard",
            "token",
            "--org",
            "demo",
            "--user",
            "owner@demo.switchboard.dev",
            "--ttl",
            ttl,
            "--jwt-secret",
            "a-jwt-secret-of-at-least-32-bytes!!",
        ])
    };
    assert!(token("7d").is_ok());
    let refused = token("3650d").expect_err("ten years is refused");
    assert!(refused.to_string().contains("at most 7d"), "{refused}");
    let minted = switchboard_domain::auth::mint(
        JWT_SECRET.as_bytes(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        chrono::Utc::now(),
        chrono::Duration::days(8),
    );
    assert!(matches!(
        minted,
        Err(switchboard_domain::auth::TokenError::TooLong)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_sessions_have_a_statement_timeout_and_maintenance_sessions_none() {
    if !available(Backend::Postgres).await {
        return;
    }
    use sea_orm::{ConnectionTrait, Statement};
    let test = TestDb::migrated(Backend::Postgres).await;
    let show = |db: sea_orm::DatabaseConnection| async move {
        let row = db
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SHOW statement_timeout",
            ))
            .await
            .expect("runs")
            .expect("a row");
        row.try_get::<String>("", "statement_timeout")
            .expect("a setting")
    };
    let api = switchboard_server::db::connect_with(&test.url, Some(Duration::from_millis(300)))
        .await
        .expect("opens");
    assert_eq!(show(api.clone()).await, "300ms");
    let slow = api.execute_unprepared("SELECT pg_sleep(2)").await;
    assert!(slow.is_err(), "a long statement is cancelled");
    let _ = api.close().await;
    let maintenance = switchboard_server::db::connect(&test.url)
        .await
        .expect("opens");
    assert_eq!(show(maintenance.clone()).await, "0");
    let _ = maintenance.close().await;
}
