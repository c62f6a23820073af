//! The store's services, and which must run beside which (a process runs
//! the services `--services` names, plus those they need).

use serde::Deserialize;

/// One of the store's services: its API, consumers, outbox relay and jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Catalog,
    Cart,
    Orders,
    Payments,
    Notifications,
    Fulfilment,
    Identity,
    Reports,
    Tracking,
}

impl Service {
    pub const ALL: [Service; 9] = [
        Self::Catalog,
        Self::Cart,
        Self::Orders,
        Self::Payments,
        Self::Notifications,
        Self::Fulfilment,
        Self::Identity,
        Self::Reports,
        Self::Tracking,
    ];

    /// The services whose in-process APIs this one calls, so they must run beside it.
    pub fn needs(self) -> &'static [Service] {
        match self {
            Self::Cart => &[Self::Catalog],
            Self::Orders => &[Self::Catalog, Self::Cart, Self::Payments],
            _ => &[],
        }
    }
}
