//! The accept loop: HTTP/1 and HTTP/2 (with upgrades, for WebSockets) on
//! hyper, with a deadline for a client's headers, caps on open connections
//! (in all, and per client address, so one client cannot hold every place)
//! and a shutdown that ends in bounded time.
//!
//! Shutdown, once the signal completes:
//! 1. the listener closes and [`AppState::shutdown`](crate::AppState) is
//!    cancelled (WebSocket loops select on it to close with 1001);
//! 2. every connection is told to finish: HTTP/1 after its current
//!    response, HTTP/2 with GOAWAY;
//! 3. after the grace period, every socket still open (a slow request, a
//!    WebSocket) fails its next read and write, and [`run`] returns at most a
//!    second later even if a handler never yields.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use futures::FutureExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tokio_util::task::TaskTracker;
use tokio_util::task::task_tracker::TaskTrackerToken;
use tower::ServiceExt;

/// Limits of the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// Open connections at most, WebSockets included; over it a new
    /// connection is answered 503 and closed.
    pub max_connections: usize,
    /// Open connections at most from one client address (an IPv6 client by
    /// its /64); over it a new connection is answered 503 and closed.
    pub max_connections_per_address: usize,
    /// How long a client may take to send a request's headers (and, on a
    /// new connection, to start one at all).
    pub header_read_timeout: Duration,
    /// How long in-flight requests and open sockets get to finish once
    /// shutdown begins.
    pub shutdown_grace: Duration,
}

/// Connections being refused at once, at most; beyond, they are just closed,
/// so a flood costs no more than a file descriptor for a moment.
const REFUSING_AT_ONCE: usize = 64;

/// Serves `router` on `listener` until `signal` completes or `shutdown` is
/// cancelled, then shuts down as described in the module documentation.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    shutdown: CancellationToken,
    signal: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        // Streams multiplex on one connection: bound them like connections.
        .max_concurrent_streams(128)
        .keep_alive_interval(Duration::from_secs(30));
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let refusing = Arc::new(Semaphore::new(REFUSING_AT_ONCE));
    let addresses = Arc::new(PerAddress::default());
    let tracker = TaskTracker::new();
    // Cancelled when the grace period is over: every socket then fails.
    let hard_stop = CancellationToken::new();
    let signal = signal.fuse();
    futures::pin_mut!(signal);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut signal => break,
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before
                    // accept: wait a moment rather than spin.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let places = permits.clone().try_acquire_owned().ok().and_then(|permit| {
            let address = addresses.take(peer.ip(), limits.max_connections_per_address)?;
            Some((permit, address))
        });
        let Some((permit, address)) = places else {
            if let Ok(refusal) = refusing.clone().try_acquire_owned() {
                tokio::spawn(refuse(stream, refusal));
            }
            continue;
        };
        let io = Guarded {
            stream,
            hard_stop: Box::pin(hard_stop.clone().cancelled_owned()),
            _permit: permit,
            _address: address,
            _tracked: tracker.token(),
        };
        tokio::spawn(connection(
            builder.clone(),
            io,
            peer,
            router.clone(),
            limits.header_read_timeout,
            shutdown.clone(),
        ));
    }
    drop(listener);
    shutdown.cancel();
    tracker.close();
    if tokio::time::timeout(limits.shutdown_grace, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            open = tracker.len(),
            "shutdown grace period over: closing the remaining connections"
        );
    }
    hard_stop.cancel();
    // A handler that never yields keeps its connection; do not wait for it.
    let _ = tokio::time::timeout(Duration::from_secs(1), tracker.wait()).await;
    Ok(())
}

/// Serves one connection until it ends, or until shutdown asks it to finish.
async fn connection(
    builder: auto::Builder<TokioExecutor>,
    io: Guarded,
    peer: SocketAddr,
    router: Router,
    header_read_timeout: Duration,
    shutdown: CancellationToken,
) {
    let started = Arc::new(AtomicBool::new(false));
    let service = {
        let started = started.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            started.store(true, Ordering::Relaxed);
            let mut request = request.map(axum::body::Body::new);
            // What `ConnectInfo<SocketAddr>` extracts, in handlers and middleware.
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        })
    };
    let conn = builder
        .serve_connection_with_upgrades(TokioIo::new(io), service)
        .into_owned();
    futures::pin_mut!(conn);
    // hyper's header timeout starts once it knows the protocol; a client that
    // sends too little to tell is held to the same deadline here.
    let first_request = async {
        tokio::time::sleep(header_read_timeout).await;
        if started.load(Ordering::Relaxed) {
            std::future::pending::<()>().await;
        }
    };
    futures::pin_mut!(first_request);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(err) = result {
                tracing::debug!(error = %err, %peer, "connection ended with an error");
            }
            return;
        }
        () = &mut first_request => return,
        () = shutdown.cancelled() => {}
    }
    conn.as_mut().graceful_shutdown();
    tokio::select! {
        _ = conn => {}
        () = first_request => {}
    }
}

/// Open connections by client address.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

impl PerAddress {
    /// A place for one more connection from `ip`, if it has fewer than `max`.
    fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<AddressPlace> {
        let key = crate::rate_limit::client_key(ip);
        let mut open = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(key).or_insert(0);
        if *count >= max.max(1) {
            return None;
        }
        *count += 1;
        Some(AddressPlace {
            addresses: self.clone(),
            key,
        })
    }
}

/// One connection's place among its address's; freed when dropped.
struct AddressPlace {
    addresses: Arc<PerAddress>,
    key: IpAddr,
}

impl Drop for AddressPlace {
    fn drop(&mut self) {
        let mut open = self.addresses.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Answers a connection over a cap with 503 and closes it.
async fn refuse(mut stream: TcpStream, _refusal: OwnedSemaphorePermit) {
    let body = crate::http::errors::body(
        "the server is at its connection limit; retry shortly",
        "SERVICE_UNAVAILABLE",
    );
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await?;
        // Read what the client sent before closing: closing with unread
        // bytes resets the connection and the client may never see the 503.
        let mut sink = [0u8; 1024];
        while tokio::io::AsyncReadExt::read(&mut stream, &mut sink).await? > 0 {}
        io::Result::Ok(())
    })
    .await;
}

/// A client's socket, holding its place under the connection cap and in the
/// shutdown tracker for as long as it is open, upgraded or not; it fails
/// every read and write once the hard stop comes.
struct Guarded {
    stream: TcpStream,
    hard_stop: Pin<Box<WaitForCancellationFutureOwned>>,
    _permit: OwnedSemaphorePermit,
    _address: AddressPlace,
    _tracked: TaskTrackerToken,
}

impl Guarded {
    fn stopped(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        match self.hard_stop.as_mut().poll(cx) {
            Poll::Ready(()) => Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the server is shutting down",
            )),
            Poll::Pending => Ok(()),
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stopped(cx)?;
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stopped(cx)?;
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.stopped(cx)?;
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stopped(cx)?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
