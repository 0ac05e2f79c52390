//! Rate limits: one per client address on every route (GraphQL, WebSocket
//! upgrades, webhooks, health checks) and one per bearer token on `/graphql`.
//!
//! Both are GCRA token buckets (`governor`): a client may burst up to
//! `burst` requests, then gets `per_second` more each second. A refused
//! request is answered 429 with `Retry-After` (whole seconds) and the
//! GraphQL error shape, code `RATE_LIMITED`, before any handler runs.
//!
//! The client address is the TCP peer (see [`crate::serve`]); a proxy in
//! front makes every client share its address, so set the per-address limit
//! with that in mind. `X-Forwarded-For` is not trusted: any client could
//! forge it to get a fresh bucket.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::http::errors::coded;

/// A rate: `per_second` requests each second after a first `burst`.
/// `per_second == 0` turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl RateLimit {
    /// No limit.
    pub const OFF: Self = Self {
        per_second: 0,
        burst: 0,
    };

    fn quota(self) -> Option<Quota> {
        let rate = NonZeroU32::new(self.per_second)?;
        // A burst below the rate would refuse a client that keeps to it.
        let burst = NonZeroU32::new(self.burst.max(self.per_second))?;
        Some(Quota::per_second(rate).allow_burst(burst))
    }
}

/// Keyed limiters forget clients whose bucket is full again every this many
/// checks, so a stream of new addresses or tokens cannot grow memory forever.
const SWEEP_EVERY: u64 = 4096;

/// The application's limiters, shared by every request.
#[derive(Clone)]
pub struct Limiters(Arc<Inner>);

struct Inner {
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_token: Option<DefaultKeyedRateLimiter<[u8; 32]>>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl Limiters {
    pub fn new(per_ip: RateLimit, per_token: RateLimit) -> Self {
        Self(Arc::new(Inner {
            per_ip: per_ip.quota().map(RateLimiter::keyed),
            per_token: per_token.quota().map(RateLimiter::keyed),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }))
    }

    /// How long the caller must wait, if over a limit.
    pub fn check(&self, ip: Option<IpAddr>, token: Option<&str>) -> Option<Duration> {
        let inner = &self.0;
        if inner.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        if let (Some(limiter), Some(ip)) = (&inner.per_ip, ip)
            && let Err(not_until) = limiter.check_key(&client_key(ip))
        {
            return Some(not_until.wait_time_from(inner.clock.now()));
        }
        if let (Some(limiter), Some(token)) = (&inner.per_token, token) {
            // A hash, so the table never holds a usable token.
            let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
            if let Err(not_until) = limiter.check_key(&key) {
                return Some(not_until.wait_time_from(inner.clock.now()));
            }
        }
        None
    }

    fn sweep(&self) {
        if let Some(limiter) = &self.0.per_ip {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.0.per_token {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// An IPv6 client is keyed by its /64, the block one host usually gets, so
/// walking through addresses of one network does not reset the bucket.
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let segments = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(
                    segments[0],
                    segments[1],
                    segments[2],
                    segments[3],
                    0,
                    0,
                    0,
                    0,
                ))
            }
        },
    }
}

/// The middleware: 429 over a limit, else the request goes on.
pub async fn limit(State(limiters): State<Limiters>, request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    // Tokens only count on the API: webhooks carry signatures, not tokens.
    let token = (request.uri().path() == "/graphql")
        .then(|| crate::auth::bearer(request.headers()))
        .flatten();
    match limiters.check(ip, token) {
        None => next.run(request).await,
        Some(wait) => too_many_requests(wait),
    }
}

fn too_many_requests(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = coded(
        StatusCode::TOO_MANY_REQUESTS,
        "too many requests: slow down and retry after the time in Retry-After",
        "RATE_LIMITED",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_next_request_waits() {
        let limiters = Limiters::new(
            RateLimit {
                per_second: 1,
                burst: 3,
            },
            RateLimit::OFF,
        );
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..3 {
            assert_eq!(limiters.check(ip, None), None);
        }
        let wait = limiters.check(ip, None).expect("over the limit");
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert_eq!(
            limiters.check(Some(IpAddr::from([10, 0, 0, 2])), None),
            None,
            "another client has its own bucket"
        );
    }

    #[test]
    fn tokens_have_buckets_of_their_own() {
        let limiters = Limiters::new(
            RateLimit::OFF,
            RateLimit {
                per_second: 1,
                burst: 1,
            },
        );
        assert_eq!(limiters.check(None, Some("a")), None);
        assert!(limiters.check(None, Some("a")).is_some());
        assert_eq!(limiters.check(None, Some("b")), None);
        assert_eq!(limiters.check(None, None), None, "no token, no token limit");
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(client_key(mapped), IpAddr::from([192, 0, 2, 1]));
    }

    #[test]
    fn zero_turns_a_limit_off() {
        assert!(RateLimit::OFF.quota().is_none());
        assert!(
            RateLimit {
                per_second: 0,
                burst: 10
            }
            .quota()
            .is_none()
        );
    }
}
