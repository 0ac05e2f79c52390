//! Trace export over OTLP: `switchboard serve` run with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` pointed at a collector on loopback POSTs
//! its spans to `/v1/traces` as protobuf, at the latest when it shuts down.
//!
//! The binary runs in a process of its own: the variable is read at start,
//! and the tracing subscriber is process-wide.

use std::process::Stdio;
use std::time::Duration;

use rustix::process::{Pid, Signal, kill_process};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What the collector received: the request line and headers, and the body.
struct Export {
    head: String,
    body: Vec<u8>,
}

/// Answers every request 200 until a `POST /v1/traces` comes, and returns it.
async fn collect(listener: TcpListener) -> Export {
    loop {
        let (stream, _) = listener.accept().await.expect("accepted");
        let mut stream = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if stream.read_line(&mut line).await.expect("read") == 0 {
                break;
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let length = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())
                    .flatten()
            })
            .unwrap_or(0);
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await.expect("body");
        let mut stream = stream.into_inner();
        stream
            .write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\n\
                  content-length: 0\r\nconnection: close\r\n\r\n",
            )
            .await
            .expect("answered");
        let _ = stream.shutdown().await;
        if head.starts_with("POST /v1/traces ") {
            return Export { head, body };
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[tokio::test]
async fn spans_go_to_the_otlp_endpoint_over_http() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    let collector = tokio::spawn(collect(listener));

    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "sqlite::memory:",
        ])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_PROTOCOL")
        .env("OTEL_SERVICE_NAME", "switchboard-otlp-test")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");

    // `serve` prints where it listens.
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let graphql = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("stdout reads") {
            if let Some(url) = line.strip_prefix("GraphQL:") {
                return url.trim().to_owned();
            }
        }
        panic!("the server exited before listening");
    })
    .await
    .expect("the server listens within 60 s");
    let base_url = graphql.trim_end_matches("/graphql").to_owned();

    let response = reqwest::Client::new()
        .get(format!("{base_url}/healthz"))
        .header("x-request-id", "otlp-request-4242")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);

    // Stopped as a deployment stops it: the spans still batched go out.
    let pid =
        Pid::from_raw(i32::try_from(server.id().expect("running")).expect("a pid")).expect("a pid");
    kill_process(pid, Signal::TERM).expect("SIGTERM sent");

    let export = tokio::time::timeout(Duration::from_secs(30), collector)
        .await
        .expect("a POST to /v1/traces within 30 s")
        .expect("the collector ran");
    let head = export.head.to_ascii_lowercase();
    assert!(
        head.contains("content-type: application/x-protobuf"),
        "{}",
        export.head
    );
    assert!(
        contains(&export.body, b"switchboard-otlp-test"),
        "the service name"
    );
    assert!(contains(&export.body, b"request"), "the request span");
    assert!(
        contains(&export.body, b"otlp-request-4242"),
        "the span carries the request id"
    );

    let status = tokio::time::timeout(Duration::from_secs(30), server.wait())
        .await
        .expect("the server exits within 30 s")
        .expect("waited");
    assert!(status.success(), "{status}");
}
