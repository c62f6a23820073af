//! The platform: infrastructure every service stands on (the table store, the
//! HTTP error format). Services depend on the platform, never on each other.

pub mod http;
pub mod store;
