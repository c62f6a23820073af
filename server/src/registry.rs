//! How a service joins its process. Each service folder declares itself once
//! (`SERVICE` in its `service.rs`: its tables, its consumers' subscriptions,
//! the services it calls in-process, and how it registers), and startup
//! registers the services this process runs, in `Service::ALL` order. A
//! service offers its ports (by type, for the services registered after it
//! and for the pages) and registers its routes, consumers, outbox relays and
//! jobs. The tables it opens are recorded: they are all this process opens,
//! and what its readiness probe reads.

use crate::config::Settings;
use crate::platform::access::Guarded;
use crate::platform::consumer::{Consumer, Handler, subscription};
use crate::platform::hub::{EventHub, Subscription};
use crate::platform::outbox::Relay;
use crate::platform::signing::OrderLinks;
use crate::platform::store::{Store, StoreError, Table, TableSpec};
use crate::services::Service;
use crate::workers::{Job, Workers};
use futures_util::future::BoxFuture;
use leptos::prelude::LeptosOptions;
use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::sync::Arc;

/// A service's API routes, each with its access decision.
pub type Routes = Guarded<LeptosOptions>;

/// A service, as it declares itself.
pub struct Definition {
    pub service: Service,
    /// Its tables: what `tbs infra apply` creates.
    pub tables: fn() -> Vec<TableSpec>,
    /// Its consumers' subscriptions: the hub's queues (and rules on AWS).
    pub subscriptions: fn() -> Vec<Subscription>,
    /// The services whose ports it calls in-process, so they must run beside it.
    pub needs: &'static [Service],
    /// Opens the service and registers what it offers.
    pub register: for<'r, 'a> fn(&'r mut Registry<'a>) -> BoxFuture<'r, anyhow::Result<()>>,
    /// How the pages reach it when it runs in another process, at the URL
    /// the settings give (`Settings::url_of`): its page ports over its API.
    pub elsewhere: Option<fn(&mut Registry<'_>, &str) -> anyhow::Result<()>>,
}

/// The handles services offer each other and the pages, one per type.
#[derive(Clone, Default)]
pub struct Ports(Arc<HashMap<TypeId, Box<dyn Any + Send + Sync>>>);

impl Ports {
    /// The port of type `T`, if a service offered one.
    pub fn get<T: Clone + 'static>(&self) -> Option<T> {
        self.0.get(&TypeId::of::<T>()).and_then(|port| port.downcast_ref::<T>()).cloned()
    }
}

/// Puts one value in the pages' context (`leptos::provide_context`).
pub type PageContext = Arc<dyn Fn() + Send + Sync>;

/// What the services registered: their ports, routes, page context,
/// background work, and the tables they opened.
pub struct Registered {
    pub ports: Ports,
    pub routes: Routes,
    pub pages: Vec<PageContext>,
    pub workers: Workers,
    pub tables: Vec<Arc<dyn Table>>,
}

/// The store as services see it while registering: every table opened is recorded.
struct Recording<'a> {
    inner: &'a dyn Store,
    opened: std::sync::Mutex<Vec<Arc<dyn Table>>>,
}

#[async_trait::async_trait]
impl Store for Recording<'_> {
    async fn open_table(&self, spec: &TableSpec) -> Result<Arc<dyn Table>, StoreError> {
        let table = self.inner.open_table(spec).await?;
        self.opened.lock().expect("not poisoned").push(table.clone());
        Ok(table)
    }
}

/// What a registering service is given, and where it puts what it offers.
pub struct Registry<'a> {
    pub settings: &'a Settings,
    store: Recording<'a>,
    pub hub: Arc<dyn EventHub>,
    /// The store's secret (signing cookies, links and the simulated webhooks).
    pub secret: &'a [u8],
    pub links: OrderLinks,
    current: Option<&'static Definition>,
    /// The consumers the service registering now registered.
    consumers: Vec<&'static str>,
    ports: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
    routes: Routes,
    pages: Vec<PageContext>,
    workers: Workers,
}

impl<'a> Registry<'a> {
    pub fn new(settings: &'a Settings, store: &'a dyn Store, hub: Arc<dyn EventHub>, secret: &'a [u8]) -> Self {
        Self {
            settings,
            store: Recording { inner: store, opened: Default::default() },
            links: OrderLinks::new(secret),
            secret,
            current: None,
            consumers: Vec::new(),
            ports: HashMap::new(),
            routes: Guarded::new(),
            pages: Vec::new(),
            workers: Workers { hub: hub.clone(), relays: Vec::new(), handlers: Vec::new(), jobs: Vec::new() },
            hub,
        }
    }

    /// Registers `definition`'s service (one this process runs).
    pub async fn register(&mut self, definition: &'static Definition) -> anyhow::Result<()> {
        self.current = Some(definition);
        (definition.register)(self).await.map_err(|e| e.context(format!("starting {:?}", definition.service)))?;
        self.current = None;
        for declared in (definition.subscriptions)() {
            anyhow::ensure!(
                self.consumers.contains(&declared.consumer.as_str()),
                "{:?} declares consumer {} but registers none: its queue would fill for ever",
                definition.service,
                declared.consumer
            );
        }
        self.consumers.clear();
        Ok(())
    }

    /// The store, for the service to open its tables.
    pub fn store(&self) -> &dyn Store {
        &self.store
    }

    /// Whether this process runs `service`.
    pub fn runs(&self, service: Service) -> bool {
        self.settings.runs(service)
    }

    /// Offers `port` to the services registered later (and to [`Ports`]).
    pub fn offer<T: Clone + Send + Sync + 'static>(&mut self, port: T) {
        self.ports.insert(TypeId::of::<T>(), Box::new(port));
    }

    /// The port of type `T` a service registered earlier offered.
    pub fn port<T: Clone + 'static>(&self) -> anyhow::Result<T> {
        let found = self.ports.get(&TypeId::of::<T>()).and_then(|port| port.downcast_ref::<T>());
        found.cloned().ok_or_else(|| anyhow::anyhow!("no service registered before offers {}", type_name::<T>()))
    }

    /// The port of type `T`, if a service here (or one elsewhere, through
    /// its API) offered one.
    pub fn port_if_any<T: Clone + 'static>(&self) -> Option<T> {
        self.port().ok()
    }

    /// Puts `value` in every page's context.
    pub fn page_context<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.pages.push(Arc::new(move || leptos::prelude::provide_context(value.clone())));
    }

    /// Mounts `routes` under `prefix`.
    pub fn routes(&mut self, prefix: &str, routes: Routes) {
        let mounted = std::mem::take(&mut self.routes);
        self.routes = if prefix.is_empty() { mounted.merge(routes) } else { mounted.nest(prefix, routes) };
    }

    /// Runs `consumer`. Its events must be among the subscriptions the service declared.
    pub fn consumer<C: Consumer + 'static>(&mut self, consumer: C) -> anyhow::Result<()> {
        let declared = self.current.map(|d| (d.subscriptions)()).unwrap_or_default();
        anyhow::ensure!(
            declared.contains(&subscription::<C>()),
            "consumer {} is not among its service's declared subscriptions",
            C::NAME
        );
        self.consumers.push(C::NAME);
        self.workers.handlers.push(Arc::new(consumer) as Arc<dyn Handler>);
        Ok(())
    }

    /// Runs `relay` (the service's outbox).
    pub fn relay(&mut self, relay: Relay) {
        self.workers.relays.push(relay);
    }

    /// Runs `job`.
    pub fn job(&mut self, job: Job) {
        self.workers.jobs.push(job);
    }

    pub fn finish(self) -> Registered {
        let tables = self.store.opened.into_inner().expect("not poisoned");
        let ports = Ports(Arc::new(self.ports));
        Registered { ports, routes: self.routes, pages: self.pages, workers: self.workers, tables }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::consumer::Effects;
    use crate::platform::events::Envelope;
    use crate::platform::hub::EmbeddedHub;
    use crate::platform::store::EmbeddedStore;

    crate::consumed_events! {
        enum Incoming { OrderCancelled }
    }
    use crate::contracts::OrderCancelled;

    struct Listener;

    #[async_trait::async_trait]
    impl Consumer for Listener {
        const NAME: &'static str = "listener";
        const EFFECTS: Effects = Effects::InStore;
        type Event = Incoming;

        async fn on(&self, _: Incoming, _: &Envelope) -> anyhow::Result<()> {
            Ok(())
        }
    }

    fn declaring(subscriptions: fn() -> Vec<Subscription>, register: RegisterFn) -> &'static Definition {
        Box::leak(Box::new(Definition {
            service: Service::Reports,
            tables: Vec::new,
            subscriptions,
            needs: &[],
            register,
            elsewhere: None,
        }))
    }

    type RegisterFn = for<'r, 'a> fn(&'r mut Registry<'a>) -> BoxFuture<'r, anyhow::Result<()>>;

    /// Registers `definition` on a fresh embedded store; the registry's verdict.
    async fn register(definition: &'static Definition) -> anyhow::Result<()> {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let hub: Arc<dyn EventHub> = Arc::new(EmbeddedHub::open(&store, vec![]).await.unwrap());
        let settings = Settings::default();
        let mut registry = Registry::new(&settings, &store, hub, b"a test secret of thirty-two bytes");
        registry.register(definition).await
    }

    #[tokio::test]
    async fn a_consumer_is_registered_only_as_its_service_declared_it() {
        let declared = || vec![subscription::<Listener>()];
        let consuming: RegisterFn = |r| Box::pin(async move { r.consumer(Listener) });
        let nothing: RegisterFn = |_| Box::pin(async { Ok(()) });
        assert!(register(declaring(declared, consuming)).await.is_ok());
        let undeclared = register(declaring(Vec::new, consuming)).await.unwrap_err();
        assert!(format!("{undeclared:#}").contains("not among its service's declared subscriptions"));
        let unconsumed = register(declaring(declared, nothing)).await.unwrap_err();
        assert!(format!("{unconsumed:#}").contains("registers none"), "{unconsumed:#}");
    }

    #[tokio::test]
    async fn the_tables_a_service_opens_are_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let hub: Arc<dyn EventHub> = Arc::new(EmbeddedHub::open(&store, vec![]).await.unwrap());
        let settings = Settings::default();
        let mut registry = Registry::new(&settings, &store, hub, b"a test secret of thirty-two bytes");
        let opening: RegisterFn = |r| {
            Box::pin(async move {
                r.store().open_table(&TableSpec::new("mine")).await?;
                Ok(())
            })
        };
        registry.register(declaring(Vec::new, opening)).await.unwrap();
        let names: Vec<String> = registry.finish().tables.iter().map(|t| t.name().to_string()).collect();
        assert_eq!(names, ["mine"]);
    }
}
