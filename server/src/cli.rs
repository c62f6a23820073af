//! The `tbs` command line.

use crate::config::{Backend, Layer, LogFormat, PaymentProvider, Service, Settings};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "tbs", version, about = "The Better Store: shop, checkout, fulfilment and reports in one binary")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the store (web UI and JSON APIs) until SIGTERM or Ctrl-C.
    ///
    /// Settings are layered: built-in defaults, then the config file, then
    /// TBS_* environment variables, then these flags.
    Serve(Box<ServeArgs>),
    /// Events a consumer could not handle (dead-lettered after 3 attempts).
    ///
    /// Works on the embedded store in the data directory, so stop `tbs serve`
    /// first (the embedded database allows one process at a time).
    #[command(subcommand)]
    Faults(FaultsCommand),
    /// Accounts, e.g. to create the first administrator.
    ///
    /// Works on the configured store; with the embedded backend stop `tbs serve` first.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Cloud resources for the aws backend.
    #[command(subcommand)]
    Infra(InfraCommand),
}

#[derive(Debug, Subcommand)]
pub enum InfraCommand {
    /// Create, idempotently, every table, the event bus, and each consumer's
    /// rule, queue and dead-letter queue on the configured AWS endpoint.
    Apply {
        #[command(flatten)]
        store: StoreCommandArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create an account, e.g. `tbs users create --email ann@example.com --name Ann --role admin`
    /// (the password is read from TBS_NEW_USER_PASSWORD, or --password).
    Create {
        #[command(flatten)]
        store: StoreCommandArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// At least 10 characters; prefer the environment variable (command lines are visible to others)
        #[arg(long, env = "TBS_NEW_USER_PASSWORD", hide_env_values = true)]
        password: String,
        /// Roles besides shopper: dispatcher, admin (repeat or separate with commas)
        #[arg(long, value_delimiter = ',', value_parser = parse_role)]
        role: Vec<app::account::Role>,
    },
}

fn parse_role(s: &str) -> Result<app::account::Role, String> {
    app::account::Role::parse(s).ok_or_else(|| format!("unknown role {s:?}: use shopper, dispatcher or admin"))
}

#[derive(Debug, Subcommand)]
pub enum FaultsCommand {
    /// List faults, oldest first: id, consumer, event, attempts, time, error.
    List {
        #[command(flatten)]
        store: StoreCommandArgs,
        /// Print JSON (one fault per line) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Put a fault's event back on its consumer's queue (after fixing the cause).
    Resubmit {
        #[command(flatten)]
        store: StoreCommandArgs,
        /// The fault's id, as `tbs faults list` shows it.
        id: String,
    },
}

/// Where the data lives.
#[derive(Debug, Args)]
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
        let StoreArgs { backend, data_dir, aws_prefix } = self.store;
        Settings::load(&path, required, Layer { backend, data_dir, aws_prefix, ..Layer::default() })
    }
}

fn config_path(config: Option<PathBuf>) -> (PathBuf, bool) {
    match config {
        Some(path) => (path, true),
        None => (PathBuf::from("tbs.toml"), false),
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML config file with any of the settings below (snake_case keys).
    /// Used if present [default: tbs.toml]
    #[arg(long, env = "TBS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:3000]
    #[arg(long, env = "TBS_ADDR")]
    pub addr: Option<SocketAddr>,
    #[command(flatten)]
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
    /// SMTP server for e-mail, e.g. smtp://127.0.0.1:2525 [default: none, e-mails go to --mail-dir]
    #[arg(long, env = "TBS_SMTP_URL", value_name = "URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Directory e-mails are written to when no SMTP server is set [default: <data-dir>/mail]
    #[arg(long, env = "TBS_MAIL_DIR")]
    pub mail_dir: Option<PathBuf>,
    /// Sender of the store's e-mails [default: The Better Store <orders@thebetterstore.example>]
    #[arg(long, env = "TBS_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Run only these services (comma-separated: catalog,cart,orders,payments,notifications,fulfilment,identity,reports,tracking);
    /// the others run elsewhere and are reached by events. Orders needs catalog, cart and payments
    /// beside it; the web pages are served when catalog, cart and orders run [default: all]
    #[arg(long, env = "TBS_SERVICES", value_enum, value_delimiter = ',')]
    pub services: Option<Vec<Service>>,
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
    pub fn settings(self) -> anyhow::Result<Settings> {
        let (path, required) = config_path(self.config);
        let StoreArgs { backend, data_dir, aws_prefix } = self.store;
        let flags = Layer {
            addr: self.addr,
            backend,
            data_dir,
            aws_prefix,
            site_root: self.site_root,
            log_format: self.log_format,
            log_level: self.log_level,
            seed_demo: self.seed_demo,
            request_timeout_secs: self.request_timeout_secs,
            secret: self.secret,
            public_url: self.public_url,
            payment_provider: self.payment_provider,
            stripe_api_base: self.stripe_api_base,
            stripe_secret_key: self.stripe_secret_key,
            stripe_webhook_secret: self.stripe_webhook_secret,
            payment_timeout_secs: self.payment_timeout_secs,
            rate_limit_sign_ins: self.rate_limit_sign_ins,
            rate_limit_writes: self.rate_limit_writes,
            smtp_url: self.smtp_url,
            mail_dir: self.mail_dir,
            mail_from: self.mail_from,
            services: self.services,
            oidc_issuer: self.oidc_issuer,
            oidc_client_id: self.oidc_client_id,
            oidc_client_secret: self.oidc_client_secret,
            oidc_roles_claim: self.oidc_roles_claim,
            oidc_audience: self.oidc_audience,
            oidc_clock_skew_secs: self.oidc_clock_skew_secs,
        };
        Settings::load(&path, required, flags)
    }
}

/// Parses the command line and runs the chosen command.
pub async fn run() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => {
            let settings = args.settings()?;
            crate::telemetry::init(settings.log_format, &settings.log_level);
            let app = crate::startup::Application::build(settings).await?;
            app.run_until(crate::startup::shutdown_signal()).await
        }
        Command::Faults(command) => crate::faults_cli::run(command).await,
        Command::Users(command) => crate::users_cli::run(command).await,
        Command::Infra(InfraCommand::Apply { store }) => {
            let mut settings = store.settings()?;
            settings.backend = Backend::Aws;
            for line in crate::startup::infra_apply(&settings).await? {
                println!("{line}");
            }
            println!("infrastructure is in place");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
