//! The store's services, and where each declares itself: adding a service
//! is its folder (with a `service.rs` declaring `SERVICE`), a variant here
//! and its line in [`Service::definition`].

use crate::registry::Definition;
use serde::{Deserialize, Serialize};

/// One of the store's services: its API, consumers, outbox relay and jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
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
    Invoices,
    Returns,
}

impl Service {
    /// Every service, in the order they start: each after those whose ports it uses.
    pub const ALL: [Service; 11] = [
        Self::Catalog,
        Self::Cart,
        Self::Payments,
        Self::Notifications,
        Self::Fulfilment,
        Self::Identity,
        Self::Reports,
        Self::Tracking,
        Self::Invoices,
        Self::Returns,
        Self::Orders,
    ];

    /// How the service declares itself.
    pub fn definition(self) -> &'static Definition {
        match self {
            Self::Catalog => &crate::catalog::SERVICE,
            Self::Cart => &crate::cart::SERVICE,
            Self::Orders => &crate::orders::SERVICE,
            Self::Payments => &crate::payments::SERVICE,
            Self::Notifications => &crate::notifications::SERVICE,
            Self::Fulfilment => &crate::fulfilment::SERVICE,
            Self::Identity => &crate::identity::SERVICE,
            Self::Reports => &crate::reports::SERVICE,
            Self::Tracking => &crate::tracking::SERVICE,
            Self::Invoices => &crate::invoices::SERVICE,
            Self::Returns => &crate::returns::SERVICE,
        }
    }

    /// The services whose in-process APIs this one calls, so they must run beside it.
    pub fn needs(self) -> &'static [Service] {
        self.definition().needs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_service_starts_after_those_it_needs() {
        for (i, service) in Service::ALL.iter().enumerate() {
            assert_eq!(service.definition().service, *service, "{service:?}'s line names another service");
            for needed in service.needs() {
                assert!(Service::ALL[..i].contains(needed), "{service:?} starts before {needed:?}, which it needs");
            }
        }
    }
}
