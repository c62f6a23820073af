//! Layered configuration (figment): built-in defaults, then an optional
//! `tbs.toml`, then `TBS_*` environment variables and command-line flags
//! (clap merges those two, so a flag beats its variable), then a check that
//! the settings can work together.

use super::{PaymentProvider, Service, Settings};
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::Serialize;
use std::path::Path;

impl Settings {
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
        anyhow::ensure!(self.max_connections > 0, "max_connections must be at least 1");
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
    use crate::config::{ExposeSecret, LogFormat};
    use serde_json::json;
    use std::path::PathBuf;

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
        assert!(err.contains("Orders") && err.contains("Cart"), "{err}");
        let only_cart = Settings::load(missing, false, json!({ "services": ["cart"] })).unwrap_err().to_string();
        assert!(only_cart.contains("Cart") && only_cart.contains("Catalog"), "{only_cart}");
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
