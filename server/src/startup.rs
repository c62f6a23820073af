//! The composition root: builds each service on the configured store and hub
//! (opened by `backends`), and lists every consumer and table. The HTTP app
//! is in `web`, serving in `serve`.

use crate::cart::{self, Carts};
use crate::catalog::{self, Catalog};
use crate::config::Settings;
use crate::config::{PaymentProvider, Service};
use crate::fulfilment::{self, Fulfilment, Intake};
use crate::identity::{self, Identity};
use crate::notifications::{self, Mailer, Notifications, ReceiptMailer};
use crate::orders::{self, OrderEvents, Orders};
use crate::payments::provider::PaymentProvider as Provider;
use crate::payments::simulated::Simulated;
use crate::payments::stripe::Stripe;
use crate::payments::{self, PaymentEvents, Payments};
use crate::platform::consumer::{Handler, subscription};
use crate::platform::hub::{EventHub, Subscription};
use crate::platform::outbox::Relay;
use crate::platform::signing::{OrderLinks, hmac_sha256, load_secret};
use crate::platform::store::TableSpec;
use crate::reports::{self, ReportFolder, Reports};
use crate::tracking::{self, Tracking, TrackingView};
use crate::workers::Workers;
use app::cart::ssr::SharedCarts;
use app::catalog::ssr::SharedCatalog;
use leptos::prelude::*;
use std::sync::Arc;
use std::time::Duration;

/// Everything the HTTP layer needs: one handle per service.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<Catalog>,
    pub carts: Arc<Carts>,
    pub orders: Arc<Orders>,
    pub payments: Arc<Payments>,
    pub fulfilment: Arc<Fulfilment>,
    pub identity: Arc<Identity>,
    pub reports: Arc<Reports>,
    pub tracking: Arc<Tracking>,
    /// Receipts (for operations and tests: what was sent where).
    pub notifications: Arc<Notifications>,
    /// The order page's composition of orders, payments, fulfilment and tracking.
    pub composer: crate::composition::Composer,
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
}

/// Every service on the configured backend, and the background work they need.
pub async fn build(settings: &Settings) -> anyhow::Result<(AppState, Workers)> {
    let one_machine = settings.backend == crate::config::Backend::Embedded;
    let secret = load_secret(settings.secret.as_deref(), &settings.data_dir, one_machine)?;
    let links = OrderLinks::new(&secret);
    let store = open_store(settings).await?;
    let hub = open_hub(settings, &*store, subscriptions()).await?;
    let public_url = settings.public_url();

    let catalog = Arc::new(Catalog::open(&*store).await?);
    if settings.seed_demo {
        let report = catalog.seed_demo().await?;
        tracing::info!(?report, "demo catalog seeded");
    }
    let catalog_relay = catalog.relay(hub.clone());
    let catalog_reader: SharedCatalog = catalog.clone();

    let carts =
        Arc::new(Carts::open(&*store, catalog_reader.clone(), &secret, public_url.starts_with("https://")).await?);

    let webhook_secret = settings
        .stripe_webhook_secret
        .clone()
        .unwrap_or_else(|| format!("whsec_{}", hex::encode(hmac_sha256(&secret, b"simulated stripe webhooks"))));
    let http =
        reqwest::Client::builder().timeout(Duration::from_secs(10)).connect_timeout(Duration::from_secs(3)).build()?;
    let simulated = match settings.payment_provider {
        PaymentProvider::Simulated => Some(Arc::new(
            Simulated::open(&*store, http.clone(), format!("{public_url}/webhooks/stripe"), webhook_secret.clone())
                .await?,
        )),
        PaymentProvider::Stripe => None,
    };
    let provider: Arc<dyn Provider> = match settings.payment_provider {
        PaymentProvider::Simulated => simulated.clone().expect("made above"),
        PaymentProvider::Stripe => Arc::new(Stripe::new(
            http,
            &settings.stripe_api_base,
            settings.stripe_secret_key.clone().expect("checked when the settings were loaded"),
        )),
    };
    let payments = Arc::new(Payments::open(&*store, hub.clone(), provider, webhook_secret).await?);

    let carts_api: SharedCarts = carts.clone();
    let payment_timeout = Duration::from_secs(settings.payment_timeout_secs);
    let orders = Arc::new(
        Orders::open(&*store, hub.clone(), catalog_reader, carts_api, payments.clone(), payment_timeout, links.clone())
            .await?,
    );

    let mailer = match &settings.smtp_url {
        Some(url) => Mailer::smtp(url)?,
        None => Mailer::files(settings.mail_dir())?,
    };
    let order_link: crate::notifications::OrderLink = {
        let links = links.clone();
        Arc::new(move |id: &str| format!("{public_url}/orders/{id}?token={}", links.token(id)))
    };
    let notifications =
        Arc::new(Notifications::open(&*store, hub.clone(), mailer, settings.mail_from.clone(), order_link).await?);
    let fulfilment = Arc::new(Fulfilment::open(&*store, hub.clone()).await?);
    let identity = Arc::new(
        Identity::open(&*store, settings.public_url().starts_with("https://"), oidc_settings(settings)).await?,
    );
    let reports = Arc::new(Reports::open(&*store).await?);
    let tracking = Arc::new(Tracking::open(&*store, links).await?);

    // Each service's consumer and outbox relay; a process runs those of its services only.
    let per_service: Vec<(Service, Arc<dyn Handler>, Relay)> = vec![
        (Service::Catalog, Arc::new(catalog.stock_keeper(catalog_relay.clone())), catalog_relay),
        (Service::Orders, Arc::new(OrderEvents(orders.clone())), orders.relay()),
        (Service::Payments, Arc::new(PaymentEvents(payments.clone())), payments.relay()),
        (Service::Notifications, Arc::new(ReceiptMailer(notifications.clone())), notifications.relay()),
        (Service::Fulfilment, Arc::new(Intake(fulfilment.clone())), fulfilment.relay()),
    ];
    // The views (reports, tracking) publish nothing, so they have no relay.
    let views: Vec<(Service, Arc<dyn Handler>)> = vec![
        (Service::Reports, Arc::new(ReportFolder(reports.clone()))),
        (Service::Tracking, Arc::new(TrackingView(tracking.clone()))),
    ];
    let mut all_handlers: Vec<_> = per_service.iter().map(|(_, h, _)| h.clone()).collect();
    all_handlers.extend(views.iter().map(|(_, h)| h.clone()));
    anyhow::ensure!(
        crate::workers::subscriptions(&all_handlers) == subscriptions(),
        "startup::subscriptions() must list exactly the handlers' subscriptions"
    );
    let (mut handlers, mut relays): (Vec<_>, Vec<_>) =
        per_service.into_iter().filter(|(service, _, _)| settings.runs(*service)).map(|(_, h, r)| (h, r)).unzip();
    // Identity consumes nothing; it publishes AccountDeleted.
    if settings.runs(Service::Identity) {
        relays.push(identity.relay(hub.clone()));
    }
    handlers.extend(views.into_iter().filter(|(service, _)| settings.runs(*service)).map(|(_, h)| h));
    let mut jobs: Vec<crate::workers::Job> = Vec::new();
    if settings.runs(Service::Orders) {
        let expiry_every = Duration::from_secs((settings.payment_timeout_secs / 4).clamp(1, 30));
        let expiring = orders.clone();
        jobs.push(Box::new(move |shutdown| Box::pin(expiring.run_expiry(expiry_every, shutdown))));
    }
    if settings.runs(Service::Payments) {
        jobs.extend(payments.jobs(simulated));
    }
    let services: Vec<Service> = Service::ALL.into_iter().filter(|s| settings.runs(*s)).collect();
    tracing::info!(?services, "services in this process");
    let workers = Workers { relays, handlers, jobs, hub };
    let composer = crate::composition::Composer {
        orders: orders.clone(),
        payments: settings.runs(Service::Payments).then(|| payments.clone()),
        fulfilment: settings.runs(Service::Fulfilment).then(|| fulfilment.clone()),
        tracking: settings.runs(Service::Tracking).then(|| tracking.clone()),
        timeout: crate::composition::PART_TIMEOUT,
    };
    let state = AppState {
        catalog,
        carts,
        orders,
        payments,
        fulfilment,
        identity,
        reports,
        composer,
        tracking,
        notifications,
        hub: workers.hub.clone(),
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
/// AWS, the rules `tbs infra apply` creates). `build` checks that the
/// handlers it runs subscribe to exactly these.
pub fn subscriptions() -> Vec<Subscription> {
    vec![
        subscription::<catalog::StockKeeper>(),
        subscription::<OrderEvents>(),
        subscription::<PaymentEvents>(),
        subscription::<ReceiptMailer>(),
        subscription::<Intake>(),
        subscription::<ReportFolder>(),
        subscription::<TrackingView>(),
    ]
}

/// Every table of every service (for `tbs infra apply`).
pub fn table_specs() -> Vec<TableSpec> {
    vec![
        catalog::table_spec(),
        cart::table_spec(),
        orders::table_spec(),
        payments::table_spec(),
        // The simulated provider's own records (it stands in for Stripe's).
        payments::simulated::table_spec(),
        notifications::table_spec(),
        fulfilment::table_spec(),
        identity::table_spec(),
        reports::table_spec(),
        tracking::table_spec(),
        crate::platform::hub::table_spec(),
    ]
}

pub use crate::backends::{infra_apply, open_hub, open_store};
pub use crate::serve::{Application, shutdown_signal};
pub use crate::web::{api_routes, app, leptos_options};

/// The OpenID Connect issuer's settings, when one is configured.
fn oidc_settings(settings: &Settings) -> Option<identity::oidc::OidcSettings> {
    let issuer = settings.oidc_issuer.clone()?;
    let client_id = settings.oidc_client_id.clone()?;
    Some(identity::oidc::OidcSettings {
        issuer,
        audience: settings.oidc_audience.clone().unwrap_or_else(|| client_id.clone()),
        client_id,
        client_secret: settings.oidc_client_secret.clone(),
        roles_claim: settings.oidc_roles_claim.clone(),
        clock_skew: std::time::Duration::from_secs(settings.oidc_clock_skew_secs),
        redirect_url: format!("{}/api/account/oidc/callback", settings.public_url()),
    })
}
