//! Layered configuration: built-in defaults, then an optional `tbs.toml`,
//! then `TBS_*` environment variables, then command-line flags (clap merges
//! the last two, so a flag beats its variable).

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where tables live and how events travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// redb files under the data directory; the in-process event hub.
    Embedded,
    /// DynamoDB tables, EventBridge and SQS (needs the `aws` build feature),
    /// configured by the AWS SDK's standard chain (AWS_REGION, AWS_ENDPOINT_URL, credentials).
    Aws,
}

/// Everything `tbs serve` needs to know.
#[derive(Clone, Debug, PartialEq)]
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
        }
    }
}

/// One layer of settings: whatever a source sets.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub addr: Option<SocketAddr>,
    pub backend: Option<Backend>,
    pub data_dir: Option<PathBuf>,
    pub aws_prefix: Option<String>,
    pub site_root: Option<PathBuf>,
    pub log_format: Option<LogFormat>,
    pub log_level: Option<String>,
    pub seed_demo: Option<bool>,
    pub request_timeout_secs: Option<u64>,
}

impl Settings {
    /// Applies a layer on top: what it sets wins.
    pub fn overlay(mut self, layer: Layer) -> Self {
        macro_rules! take {
            ($($f:ident),*) => {$( if let Some(v) = layer.$f { self.$f = v; } )*};
        }
        take!(addr, backend, data_dir, aws_prefix, site_root, log_format, log_level, seed_demo, request_timeout_secs);
        self
    }

    /// Defaults, then the TOML file (if `path` exists, or must when `required`), then `overrides`.
    pub fn load(path: &Path, required: bool, overrides: Layer) -> anyhow::Result<Self> {
        let mut settings = Settings::default();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let file: Layer =
                    toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))?;
                settings = settings.overlay(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {}
            Err(e) => anyhow::bail!("cannot read config file {}: {e}", path.display()),
        }
        let settings = settings.overlay(overrides);
        anyhow::ensure!(settings.request_timeout_secs > 0, "request_timeout_secs must be at least 1");
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn file_overrides_defaults_and_flags_override_file() {
        let file = write("addr = \"0.0.0.0:8080\"\nseed_demo = false\nlog_format = \"json\"\n");
        let flags = Layer { addr: Some("127.0.0.1:9999".parse().unwrap()), ..Layer::default() };
        let s = Settings::load(file.path(), true, flags).unwrap();
        assert_eq!(s.addr, "127.0.0.1:9999".parse().unwrap(), "flag beats file");
        assert!(!s.seed_demo, "file beats default");
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.data_dir, PathBuf::from("data"), "default kept");
    }

    #[test]
    fn missing_optional_file_is_fine_but_required_one_is_not() {
        let missing = Path::new("/nonexistent/tbs.toml");
        assert_eq!(Settings::load(missing, false, Layer::default()).unwrap(), Settings::default());
        assert!(Settings::load(missing, true, Layer::default()).is_err());
    }

    #[test]
    fn unknown_keys_are_rejected_with_the_file_named() {
        let file = write("adress = \"x\"\n");
        let err = Settings::load(file.path(), true, Layer::default()).unwrap_err().to_string();
        assert!(err.contains("adress") && err.contains("config file"), "{err}");
    }
}
