//! The store's settings: what each means and its default. How they are
//! read and checked is in `load`. Secrets are [`SecretString`]s: `Debug`,
//! and so any log line, prints them redacted.

mod load;

pub use crate::services::Service;
pub use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where tables live and how events travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// redb files under the data directory; the in-process event hub.
    Embedded,
    /// DynamoDB tables, EventBridge and SQS (needs the `aws` build feature),
    /// configured by the AWS SDK's standard chain (AWS_REGION, AWS_ENDPOINT_URL, credentials).
    Aws,
}

/// Everything `tbs serve` needs to know. A source sets any of these by its
/// snake_case name; what no source sets keeps its default.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub addr: SocketAddr,
    pub backend: Backend,
    pub data_dir: PathBuf,
    /// Prepended to every AWS resource name (tables, bus, queues), so several
    /// stores can share an account.
    pub aws_prefix: String,
    /// Where the built site (the `pkg/` bundle, images, icons) is served from.
    pub site_root: PathBuf,
    pub log_format: LogFormat,
    /// A `tracing` filter such as `info` or `server=debug,info`; `RUST_LOG` overrides it.
    pub log_level: String,
    /// Seed the demo catalog at start (idempotent: existing products are kept).
    pub seed_demo: bool,
    /// Requests taking longer are answered 408 and abandoned.
    pub request_timeout_secs: u64,
    /// The key that signs cookies (at least 32 characters); when unset, one is
    /// generated into `data_dir/secret.key` and kept.
    pub secret: Option<SecretString>,
    /// The URL shoppers reach the store at (links in e-mails, webhook
    /// delivery by the simulated payment provider); default `http://<addr>`.
    pub public_url: Option<String>,
    /// Which payment provider takes card payments.
    pub payment_provider: PaymentProvider,
    /// Base URL of the Stripe-compatible API (provider `stripe`).
    pub stripe_api_base: String,
    /// The Stripe secret key (provider `stripe`), e.g. `sk_test_…`.
    pub stripe_secret_key: Option<SecretString>,
    /// The secret webhooks are signed with (`whsec_…`); the simulated
    /// provider derives one from `secret` when unset.
    pub stripe_webhook_secret: Option<SecretString>,
    /// An order not paid for within this many seconds is cancelled and its stock released.
    pub payment_timeout_secs: u64,
    /// Sign-ins, registrations and password changes per client and minute (0: no limit).
    pub rate_limit_sign_ins: u32,
    /// Other state-changing requests per client and minute (0: no limit).
    pub rate_limit_writes: u32,
    /// Connections one client (IP address, IPv6 /64) may hold open (0: no cap).
    pub max_connections_per_client: usize,
    /// Connections open at once, in all (lowered to what file descriptors allow).
    pub max_connections: usize,
    /// Send e-mail through this SMTP server (`smtp://host:port`, `smtps://user:pass@host`);
    /// when unset, e-mails are written as files to `mail_dir`.
    pub smtp_url: Option<SecretString>,
    /// Where e-mails are written when no SMTP server is configured; default `<data_dir>/mail`.
    pub mail_dir: Option<PathBuf>,
    /// Who sells, as invoices print it: the business's name...
    pub seller_name: String,
    /// ...its postal address, lines separated by `;`...
    pub seller_address: String,
    /// ...and its tax (VAT) id, if it has one.
    pub seller_tax_id: String,
    /// The sender of the store's e-mails.
    pub mail_from: String,
    /// The services this process runs (their APIs, consumers, relays and
    /// jobs); the others are reached by events. `None`: all of them.
    pub services: Option<Vec<Service>>,
    /// Where a process that does not run identity asks who is calling
    /// (identity's API, e.g. `http://identity.internal:3000`); required then.
    pub identity_url: Option<String>,
    /// Where the dispatch pages reach fulfilment when this process serves
    /// the pages but does not run fulfilment (its API's base URL).
    pub fulfilment_url: Option<String>,
    /// Where the reports page reaches reports when this process serves the
    /// pages but does not run reports.
    pub reports_url: Option<String>,
    /// Where the order page reads the timeline when this process runs
    /// orders but not tracking.
    pub tracking_url: Option<String>,
    /// The URL of a process that runs invoices (when this one runs orders without it), for the order page's invoice.
    pub invoices_url: Option<String>,
    /// Sign-in through this OpenID Connect issuer (discovered at
    /// `<issuer>/.well-known/openid-configuration`) besides local accounts;
    /// also the issuer of the bearer JWTs the API accepts.
    pub oidc_issuer: Option<String>,
    /// The store's client id at the issuer.
    pub oidc_client_id: Option<String>,
    /// The client secret; without one the store is a public client (PKCE only).
    pub oidc_client_secret: Option<SecretString>,
    /// The claim that lists a user's roles (`groups`, `cognito:groups`, `roles`).
    pub oidc_roles_claim: String,
    /// The audience bearer JWTs must name; default the client id.
    pub oidc_audience: Option<String>,
    /// Seconds of clock difference allowed when checking token expiry.
    pub oidc_clock_skew_secs: u64,
}

/// Who takes card payments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PaymentProvider {
    /// Built in, like Stripe's test mode: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined;
    /// results arrive as signed webhooks.
    Simulated,
    /// PaymentIntents on a Stripe-compatible API (`stripe_api_base`).
    Stripe,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            backend: Backend::Embedded,
            data_dir: PathBuf::from("data"),
            aws_prefix: "tbs-".into(),
            site_root: PathBuf::from("target/site"),
            log_format: LogFormat::Pretty,
            log_level: "info".into(),
            seed_demo: true,
            request_timeout_secs: 15,
            secret: None,
            public_url: None,
            payment_provider: PaymentProvider::Simulated,
            stripe_api_base: "https://api.stripe.com".into(),
            stripe_secret_key: None,
            stripe_webhook_secret: None,
            payment_timeout_secs: 30 * 60,
            rate_limit_sign_ins: 10,
            rate_limit_writes: 600,
            max_connections_per_client: 256,
            max_connections: 10_000,
            smtp_url: None,
            mail_dir: None,
            mail_from: "The Better Store <orders@thebetterstore.example>".into(),
            seller_name: "The Better Store".into(),
            seller_address: "1 Market Street; Springfield, IL 62701; United States".into(),
            seller_tax_id: String::new(),
            services: None,
            identity_url: None,
            fulfilment_url: None,
            reports_url: None,
            tracking_url: None,
            invoices_url: None,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_roles_claim: "groups".into(),
            oidc_audience: None,
            oidc_clock_skew_secs: 60,
        }
    }
}

impl Settings {
    /// The seller's postal address, one line each.
    pub fn seller_address_lines(&self) -> Vec<String> {
        self.seller_address.split(';').map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
    }

    /// The URL shoppers reach the store at, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.addr),
        }
    }

    /// Where `service` runs when not in this process, if the settings say.
    pub fn url_of(&self, service: Service) -> Option<&str> {
        match service {
            Service::Identity => self.identity_url.as_deref(),
            Service::Fulfilment => self.fulfilment_url.as_deref(),
            Service::Reports => self.reports_url.as_deref(),
            Service::Tracking => self.tracking_url.as_deref(),
            Service::Invoices => self.invoices_url.as_deref(),
            _ => None,
        }
    }

    /// Whether this process runs `service`.
    pub fn runs(&self, service: Service) -> bool {
        self.services.as_ref().is_none_or(|s| s.contains(&service))
    }

    /// Where file-transport e-mails go.
    pub fn mail_dir(&self) -> PathBuf {
        self.mail_dir.clone().unwrap_or_else(|| self.data_dir.join("mail"))
    }
}
