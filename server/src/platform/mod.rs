//! The platform: infrastructure every service stands on — the table store,
//! events (envelope, outbox, hub, consumers) and the HTTP error format.
//! Services depend on the platform, never on each other.

pub mod access;
#[cfg(feature = "aws")]
pub mod aws;
pub mod bad_input;
pub mod breaker;
pub mod caller;
pub mod connections;
pub mod consumer;
pub mod cookies;
pub mod csrf;
pub mod dir_sync;
pub mod edge;
pub mod error_page;
pub mod events;
pub mod extract;
pub mod files;
pub mod headers;
pub mod http;
pub mod hub;
pub mod json;
pub mod metrics;
pub mod outbox;
pub mod page_cache;
pub mod rate_limit;
pub mod signing;
pub mod store;
pub mod upstream;
pub mod versioned;
