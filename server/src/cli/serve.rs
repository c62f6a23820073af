//! `tbs serve`'s settings as the environment and the flags give them, and
//! the store settings the other commands take.

use crate::config::{Backend, LogFormat, PaymentProvider, Service, Settings};
use clap::Args;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the data lives.
#[derive(Debug, Args, Serialize)]
pub struct StoreArgs {
    /// Where tables live and how events travel [default: embedded]
    #[arg(long, env = "TBS_BACKEND", value_enum)]
    pub backend: Option<Backend>,
    /// Directory of the embedded database files [default: ./data]
    #[arg(long, env = "TBS_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Prefix of every AWS resource name (backend aws) [default: tbs-]
    #[arg(long, env = "TBS_AWS_PREFIX")]
    pub aws_prefix: Option<String>,
}

/// Store settings plus the config file, for commands other than `serve`.
#[derive(Debug, Args)]
pub struct StoreCommandArgs {
    /// TOML config file (see `tbs serve --help`) [default: tbs.toml if present]
    #[arg(long, env = "TBS_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

impl StoreCommandArgs {
    pub fn settings(self) -> anyhow::Result<Settings> {
        let (path, required) = config_path(self.config);
        Settings::load(&path, required, self.store)
    }
}

fn config_path(config: Option<PathBuf>) -> (PathBuf, bool) {
    match config {
        Some(path) => (path, true),
        None => (PathBuf::from("tbs.toml"), false),
    }
}

/// The settings as the environment and the flags give them (named as in
/// [`Settings`], which they override).
#[derive(Debug, Args, Serialize)]
pub struct ServeArgs {
    /// TOML config file with any of the settings below (snake_case keys).
    /// Used if present [default: tbs.toml]
    #[arg(long, env = "TBS_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:3000]
    #[arg(long, env = "TBS_ADDR")]
    pub addr: Option<SocketAddr>,
    #[command(flatten)]
    #[serde(flatten)]
    pub store: StoreArgs,
    /// Directory of the built site (pkg/ bundle, images) [default: target/site]
    #[arg(long, env = "TBS_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
    /// Log format [default: pretty]
    #[arg(long, env = "TBS_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Log filter, e.g. `info` or `server=debug,info`; RUST_LOG overrides it [default: info]
    #[arg(long, env = "TBS_LOG_LEVEL")]
    pub log_level: Option<String>,
    /// Seed the demo catalog at start; existing products are kept [default: true]
    #[arg(long, env = "TBS_SEED_DEMO", value_name = "BOOL")]
    pub seed_demo: Option<bool>,
    /// Seconds before a request is abandoned with 408 [default: 15]
    #[arg(long, env = "TBS_REQUEST_TIMEOUT_SECS", value_name = "SECS")]
    pub request_timeout_secs: Option<u64>,
    /// Key that signs cookies, 32+ characters [default: generated into <data-dir>/secret.key]
    #[arg(long, env = "TBS_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// URL shoppers reach the store at, for e-mail links and webhooks [default: http://<addr>]
    #[arg(long, env = "TBS_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Who takes card payments [default: simulated]
    #[arg(long, env = "TBS_PAYMENT_PROVIDER", value_enum)]
    pub payment_provider: Option<PaymentProvider>,
    /// Stripe-compatible API base URL [default: https://api.stripe.com]
    #[arg(long, env = "TBS_STRIPE_API_BASE", value_name = "URL")]
    pub stripe_api_base: Option<String>,
    /// Stripe secret key, sk_… (provider stripe)
    #[arg(long, env = "TBS_STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,
    /// Secret that webhooks are signed with, whsec_… [default for simulated: derived from the secret]
    #[arg(long, env = "TBS_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,
    /// Seconds an order waits for payment before it is cancelled and its stock released [default: 1800]
    #[arg(long, env = "TBS_PAYMENT_TIMEOUT_SECS", value_name = "SECS")]
    pub payment_timeout_secs: Option<u64>,
    /// Sign-ins, registrations and password changes per client and minute; 0 for no limit [default: 10]
    #[arg(long, env = "TBS_RATE_LIMIT_SIGN_INS", value_name = "PER_MINUTE")]
    pub rate_limit_sign_ins: Option<u32>,
    /// Other state-changing requests per client and minute; 0 for no limit [default: 600]
    #[arg(long, env = "TBS_RATE_LIMIT_WRITES", value_name = "PER_MINUTE")]
    pub rate_limit_writes: Option<u32>,
    /// Connections one client (IP address, IPv6 /64) may hold open; 0 for no cap [default: 256]
    #[arg(long, env = "TBS_MAX_CONNECTIONS_PER_CLIENT", value_name = "N")]
    pub max_connections_per_client: Option<usize>,
    /// Connections open at once, in all; lowered to what the open-files limit allows [default: 10000]
    #[arg(long, env = "TBS_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<usize>,
    /// SMTP server for e-mail, e.g. smtp://127.0.0.1:2525 [default: none, e-mails go to --mail-dir]
    #[arg(long, env = "TBS_SMTP_URL", value_name = "URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Directory e-mails are written to when no SMTP server is set [default: <data-dir>/mail]
    #[arg(long, env = "TBS_MAIL_DIR")]
    pub mail_dir: Option<PathBuf>,
    /// Sender of the store's e-mails [default: The Better Store <orders@thebetterstore.example>]
    #[arg(long, env = "TBS_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// The business's name on invoices [default: The Better Store]
    #[arg(long, env = "TBS_SELLER_NAME")]
    pub seller_name: Option<String>,
    /// The business's postal address on invoices, lines separated by `;` [default: 1 Market Street; Springfield, IL 62701; United States]
    #[arg(long, env = "TBS_SELLER_ADDRESS")]
    pub seller_address: Option<String>,
    /// The business's tax (VAT) id on invoices [default: none]
    #[arg(long, env = "TBS_SELLER_TAX_ID")]
    pub seller_tax_id: Option<String>,
    /// Run only these services (comma-separated: catalog,cart,orders,payments,notifications,fulfilment,identity,reports,tracking,invoices,returns);
    /// the others run elsewhere and are reached by events. Orders needs catalog, cart and payments
    /// beside it; the web pages are served when catalog, cart and orders run [default: all]
    #[arg(long, env = "TBS_SERVICES", value_enum, value_delimiter = ',')]
    pub services: Option<Vec<Service>>,
    /// URL of a process that runs identity, asked who is calling (required when --services leaves identity out)
    #[arg(long, env = "TBS_IDENTITY_URL", value_name = "URL")]
    pub identity_url: Option<String>,
    /// URL of a process that runs fulfilment, for the dispatch pages served here when --services leaves it out
    #[arg(long, env = "TBS_FULFILMENT_URL", value_name = "URL")]
    pub fulfilment_url: Option<String>,
    /// URL of a process that runs reports, for the reports page served here when --services leaves it out
    #[arg(long, env = "TBS_REPORTS_URL", value_name = "URL")]
    pub reports_url: Option<String>,
    /// URL of a process that runs tracking, for the order page's timeline here when --services leaves it out
    #[arg(long, env = "TBS_TRACKING_URL", value_name = "URL")]
    pub tracking_url: Option<String>,
    /// URL of a process that runs invoices, for the order page's invoice here when --services leaves it out
    #[arg(long, env = "TBS_INVOICES_URL", value_name = "URL")]
    pub invoices_url: Option<String>,
    /// OpenID Connect issuer URL: adds "Sign in with single sign-on" and accepts its bearer JWTs on the API
    /// [default: none, local accounts only]
    #[arg(long, env = "TBS_OIDC_ISSUER", value_name = "URL")]
    pub oidc_issuer: Option<String>,
    /// The store's client id at the OpenID Connect issuer (required with --oidc-issuer)
    #[arg(long, env = "TBS_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The client secret [default: none, a public client using PKCE only]
    #[arg(long, env = "TBS_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// Claim listing the user's roles (shopper, dispatcher, admin), e.g. cognito:groups [default: groups]
    #[arg(long, env = "TBS_OIDC_ROLES_CLAIM", value_name = "CLAIM")]
    pub oidc_roles_claim: Option<String>,
    /// Audience that bearer JWTs on the API must name [default: the client id]
    #[arg(long, env = "TBS_OIDC_AUDIENCE")]
    pub oidc_audience: Option<String>,
    /// Seconds of clock difference allowed when checking token expiry [default: 60]
    #[arg(long, env = "TBS_OIDC_CLOCK_SKEW_SECS", value_name = "SECS")]
    pub oidc_clock_skew_secs: Option<u64>,
}

impl ServeArgs {
    pub fn settings(mut self) -> anyhow::Result<Settings> {
        let (path, required) = config_path(self.config.take());
        Settings::load(&path, required, self)
    }
}
