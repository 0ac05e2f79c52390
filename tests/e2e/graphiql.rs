//! GraphiQL at `/`: the page and its assets come from the server itself, and
//! the page renders in headless Chromium with no network beyond loopback,
//! driven over the Chrome DevTools Protocol.
//!
//! Without Chromium (`/usr/bin/chromium`, or `CHROMIUM=<path>`) the browser
//! test is skipped, except under `CI=true`, where it fails. Set
//! `GRAPHIQL_SCREENSHOT=<file.png>` to keep a screenshot of the page with the
//! documentation explorer open.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_server::app::HttpConfig;
use switchboard_tests::{Backend, TestApp, TestDb, spawn_app_with};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The whole browser test, Chromium's start included.
const OVERALL: Duration = Duration::from_secs(60);
/// One wait inside the page (rendering, the schema, a response).
const WAIT_MS: u64 = 20_000;

async fn app() -> TestApp {
    let config = HttpConfig {
        // The default limits: the docs explorer's introspection must pass them.
        graphiql_token: Some("demo-token".to_owned()),
        ..Default::default()
    };
    spawn_app_with(TestDb::migrated(Backend::Sqlite).await, config).await
}

#[tokio::test]
async fn graphiql_page_and_assets_come_from_the_server() {
    let app = app().await;
    let page = app
        .client
        .get(format!("{}/", app.base_url))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("default-src 'none';"), "{csp}");
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("ASCII")
            .starts_with("text/html"),
    );
    let html = page.text().await.expect("body");

    // No URL to another host: no scheme at all, no protocol-relative URL.
    for needle in ["http://", "https://", "src=\"//", "href=\"//"] {
        assert!(!html.contains(needle), "the page has {needle}:\n{html}");
    }
    assert!(
        html.contains(r#""Authorization":"Bearer demo-token""#),
        "{html}"
    );

    let assets: Vec<&str> = html
        .split(['"', '\''])
        .filter(|part| part.starts_with("/graphiql/assets/"))
        .collect();
    assert_eq!(assets.len(), 6, "{assets:?}");
    for asset in assets {
        let url = format!("{}{asset}", app.base_url);
        let response = app.client.get(&url).send().await.expect("asset");
        assert_eq!(response.status(), 200, "{asset}");
        let headers = response.headers().clone();
        let content_type = headers["content-type"].to_str().expect("ASCII");
        let expected = if asset.contains(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(
            content_type.starts_with(expected),
            "{asset}: {content_type}"
        );
        assert!(
            headers["cache-control"]
                .to_str()
                .expect("ASCII")
                .contains("immutable"),
            "{asset}"
        );
        assert!(!response.bytes().await.expect("body").is_empty(), "{asset}");

        let etag = headers["etag"].clone();
        let revalidated = app
            .client
            .get(&url)
            .header("if-none-match", etag)
            .send()
            .await
            .expect("asset");
        assert_eq!(revalidated.status(), 304, "{asset}");
    }

    let missing = app
        .client
        .get(format!("{}/graphiql/assets/nothing.js", app.base_url))
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn graphiql_renders_offline_in_chromium_and_explores_the_schema() {
    let Some(chromium) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("CI=true and Chromium is not installed (/usr/bin/chromium or CHROMIUM)");
        }
        eprintln!("skipping the GraphiQL browser test: Chromium is not installed");
        return;
    };
    tokio::time::timeout(OVERALL, in_chromium(&chromium))
        .await
        .expect("the GraphiQL browser test finishes within a minute");
}

async fn in_chromium(chromium: &Path) {
    let app = app().await;
    let profile = Profile::new();
    let mut browser = Browser::launch(chromium, &profile).await;
    let session = browser.open_page().await;

    // Records what the Content-Security-Policy blocks, before any script runs.
    browser
        .call(
            Some(&session),
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": "window.__csp = []; document.addEventListener('securitypolicyviolation', \
                e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));" }),
        )
        .await;
    browser
        .call(
            Some(&session),
            "Page.navigate",
            json!({ "url": format!("{}/", app.base_url) }),
        )
        .await;

    let rendered = browser
        .wait_for(
            &session,
            "document.querySelector('.graphiql-container .graphiql-query-editor') !== null",
        )
        .await;
    assert_eq!(rendered, json!(true), "GraphiQL renders\n{}", browser.log());

    // The docs explorer runs the standard introspection query.
    let clicked = browser
        .evaluate(
            &session,
            "(() => { const b = document.querySelector(\
             '.graphiql-sidebar button[aria-label=\"Show Documentation Explorer\"]'); \
             if (b) b.click(); return b !== null; })()",
        )
        .await;
    assert_eq!(
        clicked,
        json!(true),
        "the docs button is there\n{}",
        browser.log()
    );
    let docs = browser
        .wait_for(
            &session,
            "(() => { const d = document.querySelector('.graphiql-doc-explorer'); \
             const t = d ? d.innerText : ''; \
             return ['Root Types', 'Query', 'Mutation', 'Subscription'] \
             .every(s => t.includes(s)) ? t : null; })()",
        )
        .await;
    assert!(
        docs.is_string(),
        "the docs explorer lists the root types\n{}",
        browser.log()
    );
    if let Ok(path) = std::env::var("GRAPHIQL_SCREENSHOT") {
        browser.screenshot(&session, Path::new(&path)).await;
    }

    // A query through the editor and the run button.
    let ran = browser
        .evaluate(
            &session,
            "(() => { const cm = document.querySelector('.graphiql-query-editor .CodeMirror'); \
             cm.CodeMirror.setValue('{ __typename }'); \
             document.querySelector('.graphiql-execute-button').click(); return true; })()",
        )
        .await;
    assert_eq!(ran, json!(true));
    let response = browser
        .wait_for(
            &session,
            "(() => { const r = document.querySelector('.graphiql-response'); \
             const t = r ? r.innerText : ''; \
             return t.includes('\"__typename\": \"Query\"') ? t : null; })()",
        )
        .await;
    assert!(
        response.is_string(),
        "the query answers in the response pane\n{}",
        browser.log()
    );

    // Subscriptions use a socket to the same host, which the policy allows.
    let socket = browser
        .evaluate(
            &session,
            "new Promise(resolve => { \
             const url = location.origin.replace(/^http/, 'ws') + '/graphql'; \
             const ws = new WebSocket(url, 'graphql-transport-ws'); \
             ws.onopen = () => { ws.close(); resolve('open'); }; \
             ws.onerror = () => resolve('error'); \
             setTimeout(() => resolve('timeout'), 10000); })",
        )
        .await;
    assert_eq!(socket, json!("open"), "{}", browser.log());

    // A dialog adds a `<style>` element: the policy must let it through.
    let dialog = browser
        .evaluate(
            &session,
            "(() => { document.querySelector('[aria-label=\"Open settings dialog\"]').click(); \
             return true; })()",
        )
        .await;
    assert_eq!(dialog, json!(true));
    let opened = browser
        .wait_for(&session, "document.querySelector('[role=dialog]') !== null")
        .await;
    assert_eq!(
        opened,
        json!(true),
        "the settings dialog opens\n{}",
        browser.log()
    );

    // Violations are reported asynchronously.
    let violations = browser
        .evaluate(
            &session,
            "new Promise(r => setTimeout(() => r(window.__csp), 500))",
        )
        .await;
    assert_eq!(
        violations,
        json!([]),
        "nothing is blocked by the page's policy"
    );

    browser.close().await;
}

/// The Chromium binary, if there is one.
fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
}

/// A user-data directory of the test's own, removed afterwards.
struct Profile(PathBuf);

impl Profile {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("switchboard-chromium-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("profile directory");
        Self(dir)
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Headless Chromium and a DevTools connection to it. Dropping it kills the
/// browser, whichever way the test ends (`kill_on_drop` as well).
struct Browser {
    child: Child,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Console messages, exceptions and browser log entries, for failures.
    events: Vec<String>,
    stderr: PathBuf,
}

impl Browser {
    async fn launch(chromium: &Path, profile: &Profile) -> Self {
        let stderr = profile.0.join("chromium.log");
        let log = std::fs::File::create(&stderr).expect("log file");
        let mut command = Command::new(chromium);
        command
            .args([
                "--headless=new",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-default-apps",
                "--disable-sync",
                "--mute-audio",
                "--window-size=1280,800",
                // Nothing but loopback: names do not resolve, and anything
                // else goes to a proxy that is not there.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--proxy-server=http://127.0.0.1:9",
                "--proxy-bypass-list=127.0.0.1",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
            ])
            .arg(format!("--user-data-dir={}", profile.0.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true);
        if is_root() {
            command.arg("--no-sandbox");
        }
        let mut child = command.spawn().expect("Chromium starts");

        // Chromium writes its port and the browser's DevTools path here.
        let active_port = profile.0.join("DevToolsActivePort");
        let started = std::time::Instant::now();
        let contents = loop {
            if let Ok(contents) = std::fs::read_to_string(&active_port)
                && contents.lines().count() >= 2
            {
                break contents;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "Chromium exited ({status}) before DevTools was up:\n{}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "DevTools is not up after 30 s:\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let mut lines = contents.lines();
        let port = lines.next().expect("port").trim();
        let path = lines.next().expect("path").trim();
        let (socket, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}{path}"))
            .await
            .expect("DevTools connection");
        Self {
            child,
            socket,
            next_id: 0,
            events: Vec::new(),
            stderr,
        }
    }

    /// A new tab, attached in flat mode: its session id.
    async fn open_page(&mut self) -> String {
        let target = self
            .call(None, "Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        let session = attached["sessionId"]
            .as_str()
            .expect("a session")
            .to_owned();
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            self.call(Some(&session), domain, json!({})).await;
        }
        session
    }

    /// One DevTools command; events that arrive meanwhile go to the log.
    async fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("DevTools send");
        loop {
            let message = self
                .socket
                .next()
                .await
                .expect("DevTools open")
                .expect("DevTools message");
            let Message::Text(text) = message else {
                continue;
            };
            let message: Value = serde_json::from_str(&text).expect("DevTools JSON");
            if message["id"] == json!(id) {
                assert!(
                    message.get("error").is_none(),
                    "{method}: {}\n{}",
                    message["error"],
                    self.log()
                );
                return message["result"].clone();
            }
            self.record(&message);
        }
    }

    fn record(&mut self, event: &Value) {
        let params = &event["params"];
        match event["method"].as_str() {
            Some("Runtime.consoleAPICalled") => self.events.push(format!(
                "console.{}: {}",
                params["type"].as_str().unwrap_or_default(),
                params["args"]
                    .as_array()
                    .map(|args| args
                        .iter()
                        .map(|a| a.get("value").unwrap_or(&a["description"]).to_string())
                        .collect::<Vec<_>>()
                        .join(" "))
                    .unwrap_or_default()
            )),
            Some("Runtime.exceptionThrown") => self.events.push(format!(
                "exception: {}",
                params["exceptionDetails"]["exception"]["description"]
            )),
            Some("Log.entryAdded") => self.events.push(format!(
                "log {}: {} {}",
                params["entry"]["level"], params["entry"]["text"], params["entry"]["url"]
            )),
            _ => {}
        }
    }

    /// What the page and Chromium logged.
    fn log(&self) -> String {
        format!(
            "page:\n{}\nchromium:\n{}",
            self.events.join("\n"),
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        )
    }

    /// The value of a JavaScript expression in the page, promises awaited.
    async fn evaluate(&mut self, session: &str, expression: &str) -> Value {
        let result = self
            .call(
                Some(session),
                "Runtime.evaluate",
                json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
            )
            .await;
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {}\n{}",
            result["exceptionDetails"],
            self.log()
        );
        result["result"]["value"].clone()
    }

    /// Polls `expression` in the page until it is truthy: its value, or
    /// `null` after [`WAIT_MS`].
    async fn wait_for(&mut self, session: &str, expression: &str) -> Value {
        let poll = format!(
            "(async () => {{ const end = Date.now() + {WAIT_MS}; \
             while (Date.now() < end) {{ \
               try {{ const v = ({expression}); if (v) return v; }} catch (e) {{}} \
               await new Promise(r => setTimeout(r, 100)); }} \
             return null; }})()"
        );
        self.evaluate(session, &poll).await
    }

    async fn screenshot(&mut self, session: &str, path: &Path) {
        let shot = self
            .call(
                Some(session),
                "Page.captureScreenshot",
                json!({ "format": "png" }),
            )
            .await;
        let png = base64_decode(shot["data"].as_str().expect("PNG data"));
        std::fs::write(path, png).expect("screenshot written");
        eprintln!("screenshot: {}", path.display());
    }

    async fn close(mut self) {
        let _ = self
            .socket
            .send(Message::text(
                json!({ "id": 0, "method": "Browser.close" }).to_string(),
            ))
            .await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

impl Drop for Browser {
    /// Kills Chromium (a no-op after [`Browser::close`]) and waits a moment
    /// for it to go, so that its profile can be removed after it.
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        for _ in 0..40 {
            if !matches!(self.child.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Standard base64, as DevTools sends screenshots.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    digits
        .chunks(4)
        .flat_map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &d)| acc | (u32::from(d) << (18 - 6 * i)));
            let bytes = bits.to_be_bytes();
            bytes[1..chunk.len()].to_vec()
        })
        .collect()
}
