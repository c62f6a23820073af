//! Limits per client at the edge (the `governor` crate's GCRA, keyed by
//! client): signing in, registering and changing a password are limited to
//! a few a minute, every other state change to a rate no shopper reaches;
//! past it a client gets 429 with `Retry-After`. A client is the peer's IP
//! address (an IPv6 /64, which one holder controls). Behind a proxy every
//! client shares its address: limit there too.
//!
//! Memory stays bounded: keys whose bucket has refilled are dropped now and
//! then (`retain_recent`). Requests that reach the app without a network
//! peer (in-process tests) are not limited.

use crate::platform::connections::client;
use crate::platform::http::ApiError;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Checks between two sweeps of refilled buckets.
const SWEEP_EVERY: u64 = 4096;

/// What kind of request, for its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Proving who one is: tried passwords are the attacker's goal.
    SignIn,
    /// Any other state change.
    Write,
}

pub struct RateLimits {
    sign_in: Option<DefaultKeyedRateLimiter<u128>>,
    writes: Option<DefaultKeyedRateLimiter<u128>>,
    checks: AtomicU64,
}

impl RateLimits {
    /// Per client and minute; 0 turns a limit off.
    pub fn new(sign_ins_per_minute: u32, writes_per_minute: u32) -> Arc<Self> {
        let limiter =
            |per_minute| NonZeroU32::new(per_minute).map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)));
        Arc::new(Self {
            sign_in: limiter(sign_ins_per_minute),
            writes: limiter(writes_per_minute),
            checks: AtomicU64::new(0),
        })
    }

    /// Seconds to wait when `client` is over its limit for `class`.
    fn over_limit(&self, class: Class, client: u128) -> Option<u64> {
        let limiter = match class {
            Class::SignIn => self.sign_in.as_ref(),
            Class::Write => self.writes.as_ref(),
        }?;
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            for limiter in [&self.sign_in, &self.writes].into_iter().flatten() {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
        let refused = limiter.check_key(&client).err()?;
        let wait = refused.wait_time_from(DefaultClock::default().now());
        Some(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
    }
}

/// Whether a request of `method` to `path` (a route's template will do) is
/// limited at all: what the OpenAPI description documents 429 on.
pub fn limited(method: &Method, path: &str) -> bool {
    classify(method, path).is_some()
}

fn classify(method: &Method, path: &str) -> Option<Class> {
    const SIGN_IN: &[&str] = &[
        "/api/account/sign-in",
        "/api/account/register",
        "/api/account/password",
        "/api/account/password-reset",
        "/api/account/password-reset/complete",
        "/rpc/account/sign-in",
        "/rpc/account/register",
        "/rpc/account/password",
        "/rpc/account/password-reset",
        "/rpc/account/password-reset/complete",
    ];
    if SIGN_IN.contains(&path) || path.starts_with("/api/account/oidc/") {
        Some(Class::SignIn)
    } else if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        None
    } else {
        Some(Class::Write)
    }
}

/// The 429 answer to `request` when its client is over its limit; `None`
/// lets it through.
pub fn refusal(limits: &RateLimits, request: &Request) -> Option<Response> {
    let peer = crate::platform::connections::peer(request)?;
    let class = classify(request.method(), request.uri().path())?;
    let seconds = limits.over_limit(class, client(peer.ip()))?;
    tracing::warn!(%peer, ?class, path = %request.uri().path(), "rate limit reached");
    let message = format!("Too many requests; try again in {seconds} s");
    Some(
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
            .retry_after(seconds.max(1))
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_ins_and_writes_are_limited_per_client() {
        let limits = RateLimits::new(3, 5);
        let (ann, bob) = (client("10.0.0.1".parse().unwrap()), client("10.0.0.2".parse().unwrap()));
        for _ in 0..3 {
            assert_eq!(limits.over_limit(Class::SignIn, ann), None);
        }
        let wait = limits.over_limit(Class::SignIn, ann).expect("the fourth sign-in in a minute is refused");
        assert!((1..=60).contains(&wait), "{wait}");
        assert_eq!(limits.over_limit(Class::SignIn, bob), None, "another client has its own budget");
        for _ in 0..5 {
            assert_eq!(limits.over_limit(Class::Write, ann), None, "writes have their own budget");
        }
        assert!(limits.over_limit(Class::Write, ann).is_some());
        let off = RateLimits::new(0, 0);
        assert!((0..100).all(|_| off.over_limit(Class::Write, ann).is_none()), "0 turns a limit off");
    }

    #[test]
    fn an_ipv6_client_is_its_64_block_and_reads_are_not_limited() {
        let a = client("2001:db8:1:2::1".parse().unwrap());
        assert_eq!(a, client("2001:db8:1:2:ffff::9".parse().unwrap()));
        assert_ne!(a, client("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(classify(&Method::GET, "/api/catalog/products"), None);
        assert_eq!(classify(&Method::PUT, "/api/cart/items/KIT-001"), Some(Class::Write));
        assert_eq!(classify(&Method::POST, "/rpc/account/sign-in"), Some(Class::SignIn));
        assert_eq!(classify(&Method::POST, "/rpc/account/password"), Some(Class::SignIn));
        assert_eq!(classify(&Method::POST, "/webhooks/stripe"), Some(Class::Write));
    }
}
