//! Layered configuration (figment): built-in defaults, then an optional
//! `tbs.toml`, then `TBS_*` environment variables and command-line flags
//! (clap merges those two, so a flag beats its variable). Secrets are
//! [`SecretString`]s: `Debug`, and so any log line, prints them redacted.

pub use crate::services::Service;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
pub use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
    /// Send e-mail through this SMTP server (`smtp://host:port`, `smtps://user:pass@host`);
    /// when unset, e-mails are written as files to `mail_dir`.
    pub smtp_url: Option<SecretString>,
    /// Where e-mails are written when no SMTP server is configured; default `<data_dir>/mail`.
    pub mail_dir: Option<PathBuf>,
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
            smtp_url: None,
            mail_dir: None,
            mail_from: "The Better Store <orders@thebetterstore.example>".into(),
            services: None,
            identity_url: None,
            fulfilment_url: None,
            reports_url: None,
            tracking_url: None,
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
    /// The URL shoppers reach the store at, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.addr),
        }
    }

    /// Whether this process runs `service`.
    /// Where `service` runs when not in this process, if the settings say.
    pub fn url_of(&self, service: Service) -> Option<&str> {
        match service {
            Service::Identity => self.identity_url.as_deref(),
            Service::Fulfilment => self.fulfilment_url.as_deref(),
            Service::Reports => self.reports_url.as_deref(),
            Service::Tracking => self.tracking_url.as_deref(),
            _ => None,
        }
    }

    pub fn runs(&self, service: Service) -> bool {
        self.services.as_ref().is_none_or(|s| s.contains(&service))
    }

    /// Where file-transport e-mails go.
    pub fn mail_dir(&self) -> PathBuf {
        self.mail_dir.clone().unwrap_or_else(|| self.data_dir.join("mail"))
    }

    /// Defaults, then the TOML file (if `path` exists, or must when
    /// `required`), then `given` (what the environment and the flags set;
    /// its null fields set nothing).
    pub fn load(path: &Path, required: bool, given: impl Serialize) -> anyhow::Result<Self> {
        anyhow::ensure!(!required || path.is_file(), "cannot read config file {}: no such file", path.display());
        let given = match serde_json::to_value(given)? {
            serde_json::Value::Object(set) => set.into_iter().filter(|(_, v)| !v.is_null()).collect(),
            _ => serde_json::Map::new(),
        };
        let file = if path.is_file() { Figment::from(Toml::file_exact(path)) } else { Figment::new() };
        let settings: Settings = file
            .merge(Serialized::defaults(given))
            .extract()
            .map_err(|e| anyhow::anyhow!("config file {}, TBS_* variables or flags: {e}", path.display()))?;
        settings.check()?;
        Ok(settings)
    }

    /// Refuses settings that cannot work together.
    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.request_timeout_secs > 0, "request_timeout_secs must be at least 1");
        anyhow::ensure!(self.payment_timeout_secs > 0, "payment_timeout_secs must be at least 1");
        anyhow::ensure!(
            self.oidc_issuer.is_none() || self.oidc_client_id.is_some(),
            "oidc_client_id must be set when oidc_issuer is"
        );
        if let Some(services) = &self.services {
            anyhow::ensure!(!services.is_empty(), "services must name at least one service");
            for service in services {
                for needed in service.needs() {
                    anyhow::ensure!(
                        services.contains(needed),
                        "service {service:?} calls {needed:?} in-process, so services must include both",
                    );
                }
            }
            anyhow::ensure!(
                services.contains(&Service::Identity) || self.identity_url.is_some(),
                "services without identity need identity_url: the URL of a process that runs identity, to ask who is calling"
            );
        }
        if self.payment_provider == PaymentProvider::Stripe {
            anyhow::ensure!(
                self.stripe_secret_key.is_some() && self.stripe_webhook_secret.is_some(),
                "payment_provider stripe needs stripe_secret_key and stripe_webhook_secret"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn file_overrides_defaults_and_flags_override_file() {
        let file = write("addr = \"0.0.0.0:8080\"\nseed_demo = false\nlog_format = \"json\"\n");
        let flags = json!({ "addr": "127.0.0.1:9999", "data_dir": null });
        let s = Settings::load(file.path(), true, flags).unwrap();
        assert_eq!(s.addr, "127.0.0.1:9999".parse().unwrap(), "flag beats file");
        assert!(!s.seed_demo, "file beats default");
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.data_dir, PathBuf::from("data"), "default kept");
    }

    #[test]
    fn missing_optional_file_is_fine_but_required_one_is_not() {
        let missing = Path::new("/nonexistent/tbs.toml");
        let loaded = Settings::load(missing, false, json!({})).unwrap();
        assert_eq!(format!("{loaded:?}"), format!("{:?}", Settings::default()));
        assert!(Settings::load(missing, true, json!({})).is_err());
    }

    #[test]
    fn services_must_bring_the_services_they_call_in_process() {
        let missing = Path::new("/nonexistent/tbs.toml");
        let only_orders = json!({ "services": ["orders"] });
        let err = Settings::load(missing, false, only_orders).unwrap_err().to_string();
        assert!(err.contains("Orders") && err.contains("Catalog"), "{err}");
        let back = json!({ "services": ["notifications", "fulfilment"], "identity_url": "http://id.internal" });
        let s = Settings::load(missing, false, back).unwrap();
        assert!(s.runs(Service::Fulfilment) && !s.runs(Service::Orders));
        assert!(Settings::default().runs(Service::Orders), "all services by default");
        let file = write("services = [\"catalog\", \"cart\", \"identity\"]\n");
        assert_eq!(Settings::load(file.path(), true, json!({})).unwrap().services.unwrap().len(), 3);
    }

    #[test]
    fn a_process_without_identity_must_know_where_it_runs() {
        let missing = Path::new("/nonexistent/tbs.toml");
        let err = Settings::load(missing, false, json!({ "services": ["reports"] })).unwrap_err().to_string();
        assert!(err.contains("identity_url"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected_with_the_file_named() {
        let file = write("adress = \"x\"\n");
        let err = Settings::load(file.path(), true, json!({})).unwrap_err().to_string();
        assert!(err.contains("adress") && err.contains("config file"), "{err}");
    }

    #[test]
    fn secrets_are_read_but_never_printed() {
        let file =
            write("secret = \"a file secret of thirty-two characters\"\nsmtp_url = \"smtps://u:hunter2@mail\"\n");
        let s = Settings::load(file.path(), true, json!({ "stripe_secret_key": "sk_test_flag" })).unwrap();
        assert_eq!(s.secret.as_ref().unwrap().expose_secret(), "a file secret of thirty-two characters");
        assert_eq!(s.stripe_secret_key.as_ref().unwrap().expose_secret(), "sk_test_flag");
        let printed = format!("{s:?}");
        for secret in ["thirty-two", "hunter2", "sk_test_flag"] {
            assert!(!printed.contains(secret), "{secret} printed: {printed}");
        }
    }
}
