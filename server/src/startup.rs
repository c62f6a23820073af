//! The composition root: opens the configured store and hub (`backends`)
//! and registers every service on them (`registry`, each service's
//! `service.rs`). The HTTP app is in `web`, serving in `serve`.

use crate::config::{ExposeSecret, Settings};
use crate::platform::hub::{EventHub, Subscription};
use crate::platform::signing::load_secret;
use crate::platform::store::{Table, TableSpec};
use crate::registry::{PageContext, Ports, Registered, Registry, Routes};
use crate::services::Service;
use crate::workers::Workers;
use leptos::prelude::*;
use std::any::type_name;
use std::sync::Arc;
use std::time::Duration;

/// Everything the HTTP layer needs: what the services registered, and the edge's settings.
#[derive(Clone)]
pub struct AppState {
    /// The services' ports by type (e.g. `Arc<Identity>`), for the web
    /// layer, operations and tests.
    pub ports: Ports,
    /// The API routes of the services this process runs.
    pub routes: Routes,
    /// The tables those services opened (readiness reads each).
    pub tables: Vec<Arc<dyn Table>>,
    /// What the pages find in their context (the services' ports for server functions).
    pub pages: Arc<Vec<PageContext>>,
    /// The event hub (for operations and tests that publish as a service would).
    pub hub: Arc<dyn EventHub>,
    /// The services this process runs (routes mounted for them only).
    pub services: Vec<Service>,
    pub leptos: LeptosOptions,
    pub request_timeout: Duration,
    /// The public URL's origin: state changes from any other are refused.
    pub our_origin: Arc<crate::platform::csrf::OurOrigin>,
    /// Served over HTTPS (its public URL says so): HSTS, Secure cookies.
    pub https: bool,
    /// Limits per client at the edge.
    pub rate_limits: Arc<crate::platform::rate_limit::RateLimits>,
}

impl AppState {
    /// Opens the configured store and every service on it.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        Ok(build(settings).await?.0)
    }

    /// The port of type `T` (e.g. `Arc<Identity>`) a service offers.
    ///
    /// # Panics
    /// When no service offers one: a wiring mistake, found at the first start.
    pub fn port<T: Clone + 'static>(&self) -> T {
        self.ports.get().unwrap_or_else(|| panic!("no service offers {}", type_name::<T>()))
    }
}

/// Every service on the configured backend, and the background work they need.
pub async fn build(settings: &Settings) -> anyhow::Result<(AppState, Workers)> {
    let one_machine = settings.backend == crate::config::Backend::Embedded;
    let secret =
        load_secret(settings.secret.as_ref().map(ExposeSecret::expose_secret), &settings.data_dir, one_machine)?;
    let store = open_store(settings).await?;
    let hub = open_hub(settings, &*store, subscriptions()).await?;
    let mut registry = Registry::new(settings, &*store, hub.clone(), &secret);
    let (services, elsewhere): (Vec<Service>, Vec<Service>) = Service::ALL.into_iter().partition(|s| settings.runs(*s));
    for service in elsewhere {
        if let (Some(reach), Some(url)) = (service.definition().elsewhere, settings.url_of(service)) {
            reach(&mut registry, url)?;
        }
    }
    for service in &services {
        registry.register(service.definition()).await?;
    }
    let Registered { ports, routes, pages, workers, tables } = registry.finish();
    let opened: Vec<&str> = tables.iter().map(|t| t.name()).collect();
    tracing::info!(?services, tables = ?opened, "services in this process");
    let state = AppState {
        ports,
        routes,
        tables,
        pages: Arc::new(pages),
        hub,
        services,
        leptos: leptos_options(settings),
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
        our_origin: crate::platform::csrf::OurOrigin::new(&settings.public_url()),
        https: settings.public_url().starts_with("https://"),
        rate_limits: crate::platform::rate_limit::RateLimits::new(
            settings.rate_limit_sign_ins,
            settings.rate_limit_writes,
        ),
    };
    Ok((state, workers))
}

/// Every consumer and the event types it receives: the hub's queues (and, on
/// AWS, the rules `tbs infra apply` creates), as the services declare them.
pub fn subscriptions() -> Vec<Subscription> {
    Service::ALL.iter().flat_map(|s| (s.definition().subscriptions)()).collect()
}

/// Every table of every service, and the hub's (for `tbs infra apply`).
pub fn table_specs() -> Vec<TableSpec> {
    let mut specs: Vec<TableSpec> = Service::ALL.iter().flat_map(|s| (s.definition().tables)()).collect();
    specs.push(crate::platform::hub::table_spec());
    specs
}

pub use crate::backends::{infra_apply, open_hub, open_store};
pub use crate::serve::{Application, shutdown_signal};
pub use crate::web::{api_routes, app, leptos_options};
