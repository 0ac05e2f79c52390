//! Benchmark: subscribers held and delivery. Opens 1,000 and then 10,000
//! `callStatusChanged` subscriptions on one server instance, changes call
//! statuses at a steady rate, and checks that every subscriber receives every
//! change: nothing may be lost.
//!
//! Each subscriber is its own WebSocket (`graphql-transport-ws`), as a
//! dashboard would open, following the whole organization, so every status
//! change is delivered to every subscriber (expected = events × subscribers).
//! Sockets are opened 200 at a time. One probe change then proves every
//! subscription is registered on the server before the measured changes
//! start. The measured changes are `updateCallStatus` mutations over HTTP,
//! one at a time at `BENCH_RATE` per second for `BENCH_SECONDS`, each call
//! moving scheduled → queued → ringing → in_progress → completed.
//!
//! For each round it reports: how long opening took; delivered/expected
//! events, lost and duplicated events, `RESYNC_REQUIRED` errors and sockets
//! the server closed; the mutation's latency (p50/p99); delivery latency
//! (receipt on the subscriber − the moment the mutation was sent) at p50/p99,
//! also as a ratio to the mutation's own p50/p99 in the same run, and how long
//! each event took to reach its *last* subscriber; the server's resident
//! memory before opening, with every subscriber open and idle, and at its peak
//! during delivery (MiB, and KiB per subscriber); and the CPU of the server,
//! of this client and of the whole machine during delivery, so a saturated
//! client or a busy machine shows. It exits non-zero if anything was lost.
//!
//! ```sh
//! cargo bench -p switchboard-server --bench subscriptions
//! ```
//!
//! PostgreSQL must be reachable; the database (`BENCH_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/switchboard_bench_subs`) is dropped
//! and created afresh on each run through `BENCH_ADMIN_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), migrated, and given one
//! organization with an owner and a few hundred leads and scheduled calls.
//!
//! Settings: `BENCH_SUBSCRIBERS` (rounds, default `1000,10000`), `BENCH_RATE`
//! (status changes per second, default 20), `BENCH_SECONDS` (default 10),
//! `BENCH_DRAIN_SECONDS` (how long to wait after the last mutation for
//! delivery to finish, default 10) and `BENCH_PING_SECONDS` (how often each
//! subscriber sends a protocol `ping`, default 10; 0 never — the server
//! closes a `graphql-transport-ws` socket that sends nothing for 30 s) and
//! `BENCH_SELECTION` (`light`, the default: `{ eventId callId status }`;
//! `call`: also the call and its lead, read from the database per event);
//! `BENCH_SERVER_BIN` runs another `switchboard` binary (say, a build of an
//! earlier commit) as the server, to compare builds with the same client.
//!
//! Both processes need a file descriptor per socket: when its soft
//! `RLIMIT_NOFILE` is below the largest round + 1,024, the benchmark raises it
//! (up to the hard limit), and the server it spawns inherits it. If the hard
//! limit is too low, raise it first (`ulimit -n 65536` as root).
//!
//! Delivery is timed on the subscriber's task, so a saturated client would
//! inflate it: the report gives the client's CPU next to the server's. The
//! mutations run on a thread of their own, so busy subscriber tasks do not
//! delay them.

mod support;

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{cpu_ticks, rss_kib, wait_ready};

use futures::{SinkExt, StreamExt};
use rand::Rng;
use sea_orm::sqlx::{self, Row, postgres::PgPoolOptions};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use uuid::Uuid;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Sockets being opened at once.
const OPEN_CONCURRENCY: usize = 200;
/// The statuses each call goes through, in order, from `scheduled`.
const STATUSES: [&str; 4] = ["QUEUED", "RINGING", "IN_PROGRESS", "COMPLETED"];
/// What each subscriber asks for (`BENCH_SELECTION=light`, the default):
/// the change alone.
const LIGHT: &str = "subscription { callStatusChanged { eventId callId status } }";
/// `BENCH_SELECTION=call`: a dashboard's selection, which reads the call and
/// its lead from the database for each event.
const WITH_CALL: &str = "subscription { callStatusChanged { eventId callId status call { status durationSeconds lead { firstName phoneNumber } } } }";
const MUTATION: &str =
    "mutation($id: ID!, $s: CallStatus!) { updateCallStatus(id: $id, status: $s) { id status } }";
/// A latency slot of an event a subscriber has not received.
const NOT_RECEIVED: u32 = u32::MAX;

struct Settings {
    rounds: Vec<usize>,
    rate: f64,
    seconds: f64,
    drain: Duration,
    ping: Option<Duration>,
    query: &'static str,
}

impl Settings {
    fn from_env() -> anyhow::Result<Self> {
        fn var<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
            match std::env::var(name) {
                Ok(text) => text
                    .trim()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("{name}={text} is not a valid value")),
                Err(_) => Ok(default),
            }
        }
        let rounds = std::env::var("BENCH_SUBSCRIBERS")
            .unwrap_or_else(|_| "1000,10000".into())
            .split(',')
            .map(|n| n.trim().replace('_', "").parse::<usize>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| {
                anyhow::anyhow!("BENCH_SUBSCRIBERS is a comma-separated list of counts")
            })?;
        let rate: f64 = var("BENCH_RATE", 20.0)?;
        let seconds: f64 = var("BENCH_SECONDS", 10.0)?;
        let ping: f64 = var("BENCH_PING_SECONDS", 10.0)?;
        anyhow::ensure!(
            rate > 0.0 && seconds > 0.0,
            "BENCH_RATE and BENCH_SECONDS must be positive"
        );
        anyhow::ensure!(
            rounds.iter().all(|&n| n > 0),
            "every round needs a subscriber"
        );
        Ok(Self {
            rounds,
            rate,
            seconds,
            drain: Duration::from_secs_f64(var("BENCH_DRAIN_SECONDS", 10.0)?),
            ping: (ping > 0.0).then(|| Duration::from_secs_f64(ping)),
            query: match std::env::var("BENCH_SELECTION").as_deref() {
                Ok("light") | Err(_) => LIGHT,
                Ok("call") => WITH_CALL,
                Ok(other) => anyhow::bail!("BENCH_SELECTION={other}: use light or call"),
            },
        })
    }

    /// Status changes measured per round.
    fn events(&self) -> usize {
        ((self.rate * self.seconds).round() as usize).max(1)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let most = settings.rounds.iter().copied().max().unwrap_or(0);
    let fd_limit = raise_fd_limit(most as u64 + 1024)?;

    let admin = std::env::var("BENCH_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/switchboard_bench_subs".into());
    fresh_database(&admin, &url).await?;
    let db = switchboard_server::db::connect(&url).await?;
    switchboard_server::db::migrate(&db).await?;
    db.close().await?;

    // Each round: a probe call, then a call per four measured changes.
    let events = settings.events();
    let calls_per_round = events.div_ceil(STATUSES.len()) + 1;
    let seeded = seed(&url, (calls_per_round * settings.rounds.len() + 1).max(300)).await?;
    // The server refuses JWT secrets under 32 bytes.
    let secret = "bench-secret-of-at-least-thirty-two-bytes";
    let token = switchboard_domain::auth::mint(
        secret.as_bytes(),
        seeded.owner,
        seeded.organization,
        chrono::Utc::now(),
        chrono::Duration::hours(4),
    )?;

    // The server, as its own process, so its memory is its own.
    let port = 19_000 + rand::rng().random_range(0..1000);
    // `BENCH_SERVER_BIN` measures another build (an earlier commit's) with
    // this same client.
    let binary = std::env::var("BENCH_SERVER_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_switchboard").into());
    let mut server = tokio::process::Command::new(&binary)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &url,
        ])
        .env("SWITCHBOARD_JWT_SECRET", secret)
        .env(
            "SWITCHBOARD_SECRET_KEY",
            switchboard_domain::secrets::SecretKey::generate().to_base64(),
        )
        // A benchmark is a flood from one address and token: unthrottled.
        .env("SWITCHBOARD_RATE_LIMIT_PER_IP", "0")
        .env("SWITCHBOARD_RATE_LIMIT_PER_TOKEN", "0")
        // Every subscriber is a socket of its own, all from loopback.
        .env("SWITCHBOARD_MAX_CONNECTIONS", "40000")
        .env("SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS", "40000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let pid = server
        .id()
        .ok_or_else(|| anyhow::anyhow!("no server pid"))?;
    let base = format!("http://127.0.0.1:{port}");
    let http = Http::new(&base, &token)?;
    wait_ready(&http.client, &base).await?;
    // Warm the mutation path (and the pool) on a call no round uses.
    let spare = *seeded.calls.last().expect("calls were seeded");
    http.set_status(spare, "QUEUED").await?;
    http.set_status(spare, "CANCELLED").await?;

    eprintln!(
        "server pid {pid}, {} cores, RLIMIT_NOFILE {fd_limit}; {events} changes per round at {}/s",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        settings.rate
    );
    let mut reports = Vec::new();
    for (index, &subscribers) in settings.rounds.iter().enumerate() {
        let calls = &seeded.calls[index * calls_per_round..(index + 1) * calls_per_round];
        let plan = Plan::new(calls[0], &calls[1..], events);
        let report = round(&settings, &http, &base, pid, subscribers, plan).await?;
        print_round(&settings, &report);
        reports.push(report);
    }
    server.kill().await.ok();

    print_summary(&settings, &reports);
    let failed: Vec<String> = reports
        .iter()
        .filter(|r| !r.complete())
        .map(|r| {
            format!(
                "{} subscribers: opened {}/{}, delivered {}/{}, {} RESYNC_REQUIRED, {} sockets dropped",
                r.requested,
                r.opened,
                r.requested,
                r.delivered,
                r.expected(),
                r.resyncs,
                r.dropped.len()
            )
        })
        .collect();
    anyhow::ensure!(failed.is_empty(), "events were lost: {}", failed.join("; "));
    Ok(())
}

// ---------------------------------------------------------------------------
// One round
// ---------------------------------------------------------------------------

/// The status changes of one round.
struct Plan {
    /// A call whose changes only prove that the subscriptions are live.
    probe: Uuid,
    /// The measured changes, in the order they are made.
    events: Vec<(Uuid, u8)>,
}

impl Plan {
    fn new(probe: Uuid, calls: &[Uuid], events: usize) -> Self {
        let events = calls
            .iter()
            .flat_map(|&call| (0..STATUSES.len() as u8).map(move |s| (call, s)))
            .take(events)
            .collect();
        Self { probe, events }
    }
}

/// What a received `(callId, status)` is.
#[derive(Clone, Copy)]
enum Slot {
    Probe,
    Event(u32),
}

/// Shared by the subscribers of a round and the mutation driver.
struct Shared {
    lookup: HashMap<(Uuid, u8), Slot>,
    /// When each measured change's mutation was sent, in ns since `epoch` (0: not yet).
    sent: Vec<AtomicU64>,
    epoch: Instant,
    /// Measured events received, each counted once per subscriber.
    delivered: AtomicU64,
    /// Subscribers that have received a probe event.
    live: AtomicUsize,
}

impl Shared {
    fn new(plan: &Plan) -> Self {
        let mut lookup = HashMap::new();
        for s in 0..STATUSES.len() as u8 {
            lookup.insert((plan.probe, s), Slot::Probe);
        }
        for (k, &key) in plan.events.iter().enumerate() {
            lookup.insert(key, Slot::Event(k as u32));
        }
        Self {
            lookup,
            sent: plan.events.iter().map(|_| AtomicU64::new(0)).collect(),
            epoch: Instant::now(),
            delivered: AtomicU64::new(0),
            live: AtomicUsize::new(0),
        }
    }

    fn now_ns(&self) -> u64 {
        (self.epoch.elapsed().as_nanos() as u64).max(1)
    }
}

struct RoundReport {
    requested: usize,
    opened: usize,
    open_failures: Vec<String>,
    open_seconds: f64,
    handshake_ms: Vec<f64>,
    live: usize,
    live_ms: f64,
    events: usize,
    rate_achieved: f64,
    mutation_ms: Vec<f64>,
    delivered: u64,
    duplicates: u64,
    unexpected: u64,
    resyncs: u64,
    dropped: Vec<String>,
    /// Every (subscriber, event) delivery latency, in µs, sorted.
    delivery_us: Vec<u32>,
    /// Per event, the latency to its last subscriber, in µs, sorted.
    last_subscriber_us: Vec<u32>,
    drain_ms: Option<f64>,
    rss_before: u64,
    rss_idle: u64,
    rss_peak: u64,
    rss_after_close: u64,
    fds_open: usize,
    fds_after_close: usize,
    client_rss_idle: u64,
    cpu: Cpu,
    open_cpu: Cpu,
}

impl RoundReport {
    fn expected(&self) -> u64 {
        (self.events * self.opened) as u64
    }
    fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.delivered)
    }
    fn complete(&self) -> bool {
        self.opened == self.requested
            && self.lost() == 0
            && self.resyncs == 0
            && self.dropped.is_empty()
    }
}

async fn round(
    settings: &Settings,
    http: &Http,
    base: &str,
    pid: u32,
    subscribers: usize,
    plan: Plan,
) -> anyhow::Result<RoundReport> {
    eprintln!("round: {subscribers} subscribers");
    let shared = Arc::new(Shared::new(&plan));
    let ws_url = format!("{}/graphql", base.replace("http://", "ws://"));
    let ws_url = ws_url.as_str();
    let (stop, stopped) = watch::channel(false);
    let fds_before = fd_count(pid);
    let rss_before = rss_kib(pid);

    // Open every subscriber, OPEN_CONCURRENCY at a time.
    let cpu_open = CpuMark::take(pid);
    let opening = Instant::now();
    let results: Vec<_> = futures::stream::iter(0..subscribers)
        .map(|_| {
            let (shared, stopped) = (shared.clone(), stopped.clone());
            let (ping, query) = (settings.ping, settings.query);
            let token = http.token.as_str();
            async move {
                let (socket, took) = open(ws_url, token, query).await?;
                let task = tokio::spawn(subscriber(socket, shared, stopped, ping));
                anyhow::Ok((task, took))
            }
        })
        .buffer_unordered(OPEN_CONCURRENCY)
        .collect()
        .await;
    let open_seconds = opening.elapsed().as_secs_f64();
    let open_cpu = cpu_open.since(pid, opening.elapsed());
    let mut tasks = Vec::with_capacity(subscribers);
    let mut handshake_ms = Vec::with_capacity(subscribers);
    let mut open_failures = Vec::new();
    for result in results {
        match result {
            Ok((task, took)) => {
                tasks.push(task);
                handshake_ms.push(took.as_secs_f64() * 1000.0);
            }
            Err(err) => open_failures.push(format!("{err:#}")),
        }
    }
    let opened = tasks.len();
    eprintln!(
        "  opened {opened}/{subscribers} in {open_seconds:.2} s ({} failed)",
        open_failures.len()
    );

    // Prove every subscription is registered: a probe change must reach all.
    let probing = Instant::now();
    let mut live = 0;
    for status in STATUSES {
        http.set_status(plan.probe, status).await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            live = shared.live.load(Ordering::Acquire);
            if live >= opened || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        if live >= opened {
            break;
        }
    }
    let live_ms = probing.elapsed().as_secs_f64() * 1000.0;
    eprintln!("  {live}/{opened} live after {live_ms:.0} ms");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_idle = rss_kib(pid);
    let client_rss_idle = rss_kib(std::process::id());

    // The measured changes, sampling the server's memory meanwhile.
    let peak = Arc::new(AtomicU64::new(rss_idle));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let expected = (plan.events.len() * opened) as u64;
    let cpu_mark = CpuMark::take(pid);
    let driving = Instant::now();
    // The driver runs on a thread of its own, so ten thousand busy
    // subscriber tasks do not delay the mutations it times.
    let driver = {
        let (shared, events) = (shared.clone(), plan.events.clone());
        let (base, token, rate) = (base.to_owned(), http.token.clone(), settings.rate);
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(drive(base, token, shared, events, rate))
        })
    };
    let mutation_ms = tokio::task::spawn_blocking(move || driver.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the mutation driver panicked"))??;
    let driven = driving.elapsed();
    let last_mutation = Instant::now();
    let drain_deadline = last_mutation + settings.drain;
    let mut drain_ms = None;
    loop {
        if shared.delivered.load(Ordering::Acquire) >= expected {
            drain_ms = Some(last_mutation.elapsed().as_secs_f64() * 1000.0);
            break;
        }
        if Instant::now() >= drain_deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let cpu = cpu_mark.since(pid, driving.elapsed());
    sampling.store(false, Ordering::Relaxed);
    sampler.await?;
    let fds_open = fd_count(pid);

    // Close every socket and gather what each subscriber saw.
    stop.send(true)?;
    let events = plan.events.len();
    let mut delivery_us = Vec::with_capacity(events * opened);
    let mut last_subscriber_us = vec![0u32; events];
    let (mut delivered, mut duplicates, mut unexpected, mut resyncs) = (0, 0, 0, 0);
    let mut dropped = Vec::new();
    for task in tasks {
        let seen = task.await?;
        for (k, &us) in seen.latency_us.iter().enumerate() {
            if us != NOT_RECEIVED {
                delivered += 1;
                delivery_us.push(us);
                last_subscriber_us[k] = last_subscriber_us[k].max(us);
            }
        }
        duplicates += seen.duplicates;
        unexpected += seen.unexpected;
        resyncs += seen.resyncs;
        dropped.extend(seen.ended_early);
    }
    delivery_us.sort_unstable();
    last_subscriber_us.sort_unstable();

    // Let the server see every socket close and settle before the next round.
    let settle = Instant::now() + Duration::from_secs(30);
    while fd_count(pid) > fds_before + 8 && Instant::now() < settle {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after_close = rss_kib(pid);
    let fds_after_close = fd_count(pid);

    Ok(RoundReport {
        requested: subscribers,
        opened,
        open_failures,
        open_seconds,
        handshake_ms,
        live,
        live_ms,
        events,
        rate_achieved: events as f64 / driven.as_secs_f64(),
        mutation_ms,
        delivered,
        duplicates,
        unexpected,
        resyncs,
        dropped,
        delivery_us,
        last_subscriber_us,
        drain_ms,
        rss_before,
        rss_idle,
        rss_peak: peak.load(Ordering::Relaxed),
        rss_after_close,
        fds_open,
        fds_after_close,
        client_rss_idle,
        cpu,
        open_cpu,
    })
}

// ---------------------------------------------------------------------------
// Subscribers
// ---------------------------------------------------------------------------

/// Opens a socket, authenticates and subscribes; returns it with the time taken.
async fn open(url: &str, token: &str, query: &str) -> anyhow::Result<(Socket, Duration)> {
    let started = Instant::now();
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    // Small buffers: ten thousand sockets in one client.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (mut socket, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), true).await?;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await?;
    loop {
        let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .map_err(|_| anyhow::anyhow!("no connection_ack within 30 s"))?
            .ok_or_else(|| anyhow::anyhow!("the socket closed before connection_ack"))??;
        match message {
            Message::Text(text) => {
                let value: serde_json::Value = serde_json::from_str(&text)?;
                match value["type"].as_str() {
                    Some("connection_ack") => break,
                    Some("ping") => {
                        socket
                            .send(Message::Text(r#"{"type":"pong"}"#.into()))
                            .await?
                    }
                    _ => anyhow::bail!("unexpected before connection_ack: {text}"),
                }
            }
            Message::Close(frame) => anyhow::bail!("closed before connection_ack: {frame:?}"),
            _ => {}
        }
    }
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await?;
    Ok((socket, started.elapsed()))
}

/// What one subscriber saw.
struct Seen {
    /// Per measured event, µs from the mutation being sent to receipt here.
    latency_us: Vec<u32>,
    duplicates: u64,
    unexpected: u64,
    resyncs: u64,
    /// Why the socket ended before the round did.
    ended_early: Option<String>,
}

#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(borrow)]
    payload: Option<Payload<'a>>,
}

#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(borrow)]
    data: Option<Data<'a>>,
    errors: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(rename = "callStatusChanged", borrow)]
    change: Option<Change<'a>>,
}

#[derive(Deserialize)]
struct Change<'a> {
    #[serde(rename = "callId")]
    call_id: &'a str,
    status: &'a str,
}

/// Reads one socket until the round stops it, recording each event once.
async fn subscriber(
    mut socket: Socket,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
    ping: Option<Duration>,
) -> Seen {
    let mut seen = Seen {
        latency_us: vec![NOT_RECEIVED; shared.sent.len()],
        duplicates: 0,
        unexpected: 0,
        resyncs: 0,
        ended_early: None,
    };
    let mut live = false;
    // Pings spread over the period, so they do not all arrive at once.
    let period = ping.unwrap_or(Duration::from_secs(86_400));
    let first = rand::rng().random_range(Duration::ZERO..period);
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + first, period);
    loop {
        tokio::select! {
            _ = stopped.changed() => {
                let _ = socket.close(None).await;
                break;
            }
            _ = pings.tick(), if ping.is_some() => {
                if let Err(err) = socket.send(Message::Text(r#"{"type":"ping"}"#.into())).await {
                    seen.ended_early = Some(format!("ping failed: {err}"));
                    break;
                }
            }
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let received = shared.now_ns();
                    match serde_json::from_str::<Incoming>(&text) {
                        Ok(Incoming { kind: "next", payload: Some(payload) }) => {
                            if let Some(errors) = payload.errors {
                                if errors.to_string().contains("RESYNC_REQUIRED") {
                                    seen.resyncs += 1;
                                } else {
                                    seen.unexpected += 1;
                                }
                            }
                            let Some(change) = payload.data.and_then(|d| d.change) else {
                                continue;
                            };
                            let key = Uuid::parse_str(change.call_id).ok().zip(
                                STATUSES.iter().position(|s| *s == change.status),
                            );
                            match key.and_then(|(id, s)| shared.lookup.get(&(id, s as u8))) {
                                Some(Slot::Probe) => {
                                    if !live {
                                        live = true;
                                        shared.live.fetch_add(1, Ordering::AcqRel);
                                    }
                                }
                                Some(&Slot::Event(k)) => {
                                    let k = k as usize;
                                    let sent = shared.sent[k].load(Ordering::Acquire);
                                    if sent == 0 {
                                        seen.unexpected += 1;
                                    } else if seen.latency_us[k] != NOT_RECEIVED {
                                        seen.duplicates += 1;
                                    } else {
                                        let us = received.saturating_sub(sent) / 1000;
                                        seen.latency_us[k] = us.min(u64::from(NOT_RECEIVED - 1)) as u32;
                                        shared.delivered.fetch_add(1, Ordering::AcqRel);
                                    }
                                }
                                None => seen.unexpected += 1,
                            }
                        }
                        Ok(Incoming { kind: "ping", .. }) => {
                            if socket.send(Message::Text(r#"{"type":"pong"}"#.into())).await.is_err() {
                                seen.ended_early = Some("pong failed".into());
                                break;
                            }
                        }
                        Ok(Incoming { kind: "pong", .. }) => {}
                        Ok(Incoming { kind: "complete", .. }) => {
                            seen.ended_early = Some("the server completed the subscription".into());
                            break;
                        }
                        _ => {
                            seen.unexpected += 1;
                            if text.contains("RESYNC_REQUIRED") {
                                seen.resyncs += 1;
                            }
                        }
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    seen.ended_early = Some(match frame {
                        Some(f) => format!("closed by the server: {} {}", u16::from(f.code), f.reason),
                        None => "closed by the server".into(),
                    });
                    break;
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => {
                    seen.ended_early = Some(format!("socket error: {err}"));
                    break;
                }
                None => {
                    seen.ended_early = Some("the socket ended".into());
                    break;
                }
            },
        }
    }
    seen
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/// Makes the measured changes, one at a time at `rate` per second, noting
/// when each was sent; returns each mutation's latency in ms.
async fn drive(
    base: String,
    token: String,
    shared: Arc<Shared>,
    events: Vec<(Uuid, u8)>,
    rate: f64,
) -> anyhow::Result<Vec<f64>> {
    let http = Http::new(&base, &token)?;
    wait_ready(&http.client, &base).await?;
    let period = Duration::from_secs_f64(1.0 / rate);
    let start = tokio::time::Instant::now();
    let mut mutation_ms = Vec::with_capacity(events.len());
    for (k, &(call, status)) in events.iter().enumerate() {
        tokio::time::sleep_until(start + period.mul_f64(k as f64)).await;
        let sent = Instant::now();
        shared.sent[k].store(shared.now_ns(), Ordering::Release);
        http.set_status(call, STATUSES[status as usize]).await?;
        mutation_ms.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(mutation_ms)
}

struct Http {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Http {
    fn new(base: &str, token: &str) -> anyhow::Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .tcp_nodelay(true)
                .build()?,
            url: format!("{base}/graphql"),
            token: token.to_owned(),
        })
    }

    async fn set_status(&self, call: Uuid, status: &str) -> anyhow::Result<()> {
        let body: serde_json::Value = self
            .client
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(
                &json!({ "query": MUTATION, "variables": { "id": call.to_string(), "s": status } }),
            )
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(
            body.get("errors").is_none() && body["data"]["updateCallStatus"]["status"] == status,
            "updateCallStatus({call}, {status}) answered {body}"
        );
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

fn percentile<T: Copy>(sorted: &[T], q: f64) -> Option<T> {
    (!sorted.is_empty()).then(|| sorted[((sorted.len() - 1) as f64 * q).round() as usize])
}

fn ms(us: Option<u32>) -> f64 {
    us.map_or(f64::NAN, |us| f64::from(us) / 1000.0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn per_subscriber(from: u64, to: u64, n: usize) -> f64 {
    (to as f64 - from as f64) / n.max(1) as f64
}

fn print_round(settings: &Settings, r: &RoundReport) {
    let mut mutation = r.mutation_ms.clone();
    mutation.sort_by(f64::total_cmp);
    let mut handshake = r.handshake_ms.clone();
    handshake.sort_by(f64::total_cmp);
    let (m50, m99) = (
        percentile(&mutation, 0.50).unwrap_or(f64::NAN),
        percentile(&mutation, 0.99).unwrap_or(f64::NAN),
    );
    let (d50, d99) = (
        ms(percentile(&r.delivery_us, 0.50)),
        ms(percentile(&r.delivery_us, 0.99)),
    );
    println!();
    println!(
        "{} subscribers, one graphql-transport-ws socket each, following the whole organization",
        r.requested
    );
    println!(
        "  open      : {}/{} in {:.2} s ({:.0}/s, {OPEN_CONCURRENCY} at a time); socket+init+ack p50 {:.1} ms p99 {:.1} ms",
        r.opened,
        r.requested,
        r.open_seconds,
        r.opened as f64 / r.open_seconds,
        percentile(&handshake, 0.50).unwrap_or(f64::NAN),
        percentile(&handshake, 0.99).unwrap_or(f64::NAN),
    );
    if let Some(first) = r.open_failures.first() {
        println!(
            "              {} failed to open; first: {first}",
            r.open_failures.len()
        );
    }
    println!(
        "              cpu while opening: server {:.0}%, client {:.0}%; machine {:.0}% busy of {} cores",
        r.open_cpu.server, r.open_cpu.client, r.open_cpu.machine, r.open_cpu.cores
    );
    println!(
        "  live      : a probe change reached {}/{} subscribers in {:.0} ms",
        r.live, r.opened, r.live_ms
    );
    println!(
        "  changes   : {} at {:.2}/s (target {}/s, one at a time)",
        r.events, r.rate_achieved, settings.rate
    );
    println!(
        "  delivered : {}/{} (lost {}, duplicates {}, RESYNC_REQUIRED {}, other messages {}, sockets dropped {})",
        r.delivered,
        r.expected(),
        r.lost(),
        r.duplicates,
        r.resyncs,
        r.unexpected,
        r.dropped.len()
    );
    if let Some(first) = r.dropped.first() {
        println!("              first dropped socket: {first}");
    }
    println!("  mutation  : p50 {m50:>7.2} ms  p99 {m99:>7.2} ms");
    println!(
        "  delivery  : p50 {d50:>7.2} ms  p99 {d99:>7.2} ms  max {:.2} ms  (from the mutation being sent)",
        ms(r.delivery_us.last().copied())
    );
    println!(
        "              = {:.2}x the mutation's p50, {:.2}x its p99",
        d50 / m50,
        d99 / m99
    );
    println!(
        "  fan-out   : an event reached its last subscriber after p50 {:.2} ms  p99 {:.2} ms",
        ms(percentile(&r.last_subscriber_us, 0.50)),
        ms(percentile(&r.last_subscriber_us, 0.99)),
    );
    match r.drain_ms {
        Some(ms) => println!(
            "  drain     : everything delivered {ms:.1} ms after the last mutation returned"
        ),
        None => println!(
            "  drain     : NOT everything delivered {} s after the last mutation",
            settings.drain.as_secs_f64()
        ),
    }
    println!(
        "  server    : RSS {:.1} MiB before, {:.1} MiB idle with {} open ({:.1} KiB/subscriber), peak {:.1} MiB delivering ({:.1} KiB/subscriber)",
        mib(r.rss_before),
        mib(r.rss_idle),
        r.opened,
        per_subscriber(r.rss_before, r.rss_idle, r.opened),
        mib(r.rss_peak),
        per_subscriber(r.rss_before, r.rss_peak, r.opened),
    );
    println!(
        "              {:.1} MiB 2 s after every socket closed; {} fds open while subscribed, {} after",
        mib(r.rss_after_close),
        r.fds_open,
        r.fds_after_close
    );
    println!(
        "  cpu       : delivering, server {:.0}%, client {:.0}% (100% = one core); machine {:.0}% busy of {} cores{}",
        r.cpu.server,
        r.cpu.client,
        r.cpu.machine,
        r.cpu.cores,
        if r.cpu.machine >= 90.0 {
            "  <- saturated: client, server and PostgreSQL compete for the cores"
        } else {
            ""
        }
    );
    println!(
        "              server CPU per delivered event: {:.1} µs",
        r.cpu.server / 100.0 * r.cpu.seconds * 1e6 / r.delivered.max(1) as f64
    );
    println!(
        "  client    : RSS {:.1} MiB with {} sockets open",
        mib(r.client_rss_idle),
        r.opened
    );
}

fn print_summary(settings: &Settings, reports: &[RoundReport]) {
    println!();
    println!(
        "subscriptions: {} changes per round at {}/s; delivery latency from the mutation being sent",
        settings.events(),
        settings.rate
    );
    println!("  each subscriber: {}", settings.query);
    println!(
        "  {:>11} {:>8} {:>21} {:>5} {:>19} {:>19} {:>13} {:>15} {:>15}",
        "subscribers",
        "open s",
        "delivered/expected",
        "lost",
        "mutation p50/p99",
        "delivery p50/p99",
        "ratio",
        "KiB/sub idle",
        "KiB/sub peak"
    );
    for r in reports {
        let mut mutation = r.mutation_ms.clone();
        mutation.sort_by(f64::total_cmp);
        let (m50, m99) = (
            percentile(&mutation, 0.50).unwrap_or(f64::NAN),
            percentile(&mutation, 0.99).unwrap_or(f64::NAN),
        );
        let (d50, d99) = (
            ms(percentile(&r.delivery_us, 0.50)),
            ms(percentile(&r.delivery_us, 0.99)),
        );
        println!(
            "  {:>11} {:>8.2} {:>21} {:>5} {:>19} {:>19} {:>13} {:>15.1} {:>15.1}",
            r.requested,
            r.open_seconds,
            format!("{}/{}", r.delivered, r.expected()),
            r.lost(),
            format!("{m50:.2}/{m99:.2} ms"),
            format!("{d50:.2}/{d99:.2} ms"),
            format!("{:.2}x/{:.2}x", d50 / m50, d99 / m99),
            per_subscriber(r.rss_before, r.rss_idle, r.opened),
            per_subscriber(r.rss_before, r.rss_peak, r.opened),
        );
    }
}

// ---------------------------------------------------------------------------
// Database
// ---------------------------------------------------------------------------

/// Drops and creates the database of `url`.
async fn fresh_database(admin: &str, url: &str) -> anyhow::Result<()> {
    let name = url
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    anyhow::ensure!(
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "the database name `{name}` must be letters, digits and underscores"
    );
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(admin)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&pool)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&pool)
        .await?;
    pool.close().await;
    Ok(())
}

struct Seeded {
    organization: Uuid,
    owner: Uuid,
    /// Scheduled calls, each to a lead of its own.
    calls: Vec<Uuid>,
}

/// One organization, its owner, and `n` leads with a scheduled call each.
async fn seed(url: &str, n: usize) -> anyhow::Result<Seeded> {
    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    let (organization, owner) = (Uuid::now_v7(), Uuid::now_v7());
    sqlx::query("INSERT INTO organizations (id, name, slug, credit_balance) VALUES ($1, 'Subscriptions bench', 'bench-subscriptions', 1000000000)")
        .bind(organization)
        .execute(&pool)
        .await?;
    sqlx::query("INSERT INTO users (id, email, name) VALUES ($1, 'owner@bench-subscriptions.test', 'Bench owner')")
        .bind(owner)
        .execute(&pool)
        .await?;
    sqlx::query("INSERT INTO organization_memberships (id, organization_id, user_id, role, status) VALUES ($1, $2, $3, 'owner', 'active')")
        .bind(Uuid::now_v7())
        .bind(organization)
        .bind(owner)
        .execute(&pool)
        .await?;
    sqlx::query("INSERT INTO leads (id, organization_id, first_name, last_name, phone_number) SELECT gen_random_uuid(), $1, 'Lead', 'No. ' || i, '+1415' || lpad(i::text, 7, '0') FROM generate_series(1, $2) AS i")
        .bind(organization)
        .bind(i32::try_from(n)?)
        .execute(&pool)
        .await?;
    sqlx::query("INSERT INTO calls (id, organization_id, lead_id, phone_number, status, scheduled_at) SELECT gen_random_uuid(), organization_id, id, phone_number, 'scheduled', now() FROM leads WHERE organization_id = $1")
        .bind(organization)
        .execute(&pool)
        .await?;
    let calls: Vec<Uuid> =
        sqlx::query("SELECT id FROM calls WHERE organization_id = $1 ORDER BY id")
            .bind(organization)
            .fetch_all(&pool)
            .await?
            .iter()
            .map(|row| row.get("id"))
            .collect();
    pool.close().await;
    Ok(Seeded {
        organization,
        owner,
        calls,
    })
}

// ---------------------------------------------------------------------------
// The operating system
// ---------------------------------------------------------------------------

/// Makes sure this process (and the server it spawns) may open `needed`
/// files, raising the soft limit up to the hard one; returns the limit.
fn raise_fd_limit(needed: u64) -> anyhow::Result<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= needed {
        return Ok(current);
    }
    let maximum = limit.maximum.unwrap_or(u64::MAX);
    anyhow::ensure!(
        maximum >= needed,
        "{needed} file descriptors are needed but the hard limit is {maximum}: raise it (ulimit -Hn {needed}) first"
    );
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(needed.max(current)),
            maximum: limit.maximum,
        },
    )?;
    Ok(needed)
}

/// Open file descriptors of a process.
fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |dir| dir.count())
}

/// Busy and total ticks of the whole machine.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let values: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// CPU use over a window, in % of one core (machine: % of all cores).
struct Cpu {
    server: f64,
    client: f64,
    machine: f64,
    cores: usize,
    seconds: f64,
}

struct CpuMark {
    server: u64,
    client: u64,
    machine: (u64, u64),
}

impl CpuMark {
    fn take(pid: u32) -> Self {
        Self {
            server: cpu_ticks(pid),
            client: cpu_ticks(std::process::id()),
            machine: machine_ticks(),
        }
    }

    fn since(&self, pid: u32, elapsed: Duration) -> Cpu {
        let seconds = elapsed.as_secs_f64().max(1e-9);
        let percent = |from: u64, to: u64| (to.saturating_sub(from)) as f64 / seconds;
        let (busy, total) = machine_ticks();
        Cpu {
            server: percent(self.server, cpu_ticks(pid)),
            client: percent(self.client, cpu_ticks(std::process::id())),
            machine: (busy.saturating_sub(self.machine.0)) as f64
                / (total.saturating_sub(self.machine.1)).max(1) as f64
                * 100.0,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            seconds,
        }
    }
}
