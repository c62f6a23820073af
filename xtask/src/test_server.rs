//! A `tbs serve` for tests: the binary under test on a loopback port, with
//! its own throw-away data directory and the first administrator made.

use crate::stand_ins::Background;
use crate::tools::run;
use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The administrator the tests sign in as.
pub const E2E_ADMIN: (&str, &str) = ("ada.admin@example.com", "admin password for e2e");

/// A `tbs serve` on a free loopback port with a throw-away data directory,
/// killed on drop so a failing test never leaves it running.
pub struct TestServer {
    process: Option<Background>,
    pub addr: SocketAddr,
    data_dir: PathBuf,
}

impl TestServer {
    pub fn start(tbs: &Path, site: &Path, addr: SocketAddr, options: &[String]) -> Result<Self> {
        let data_dir = std::env::temp_dir().join(format!("tbs-e2e-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        std::fs::create_dir_all(&data_dir)?;
        let log = std::fs::File::create(data_dir.join("tbs.log"))?;
        // The first administrator, made the way the README says (before serving:
        // the embedded database is opened by one process at a time).
        run(Command::new(tbs)
            .args(["users", "create", "--email", E2E_ADMIN.0, "--name", "Ada Admin", "--role", "admin"])
            .arg("--data-dir")
            .arg(data_dir.join("db"))
            .env("TBS_NEW_USER_PASSWORD", E2E_ADMIN.1))?;
        let mut cmd = Command::new(tbs);
        cmd.args(["serve", "--addr", &addr.to_string(), "--log-format", "json"]);
        cmd.args(options);
        cmd.arg("--data-dir")
            .arg(data_dir.join("db"))
            .arg("--site-root")
            .arg(site)
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log));
        let mut server = Self { process: Some(Background::spawn("tbs", addr, &mut cmd)?), addr, data_dir };
        let ready = server.process.as_mut().expect("started").wait_ready("/health/ready", Duration::from_secs(60));
        ready.with_context(|| format!("log: {}", server.data_dir.join("tbs.log").display()))?;
        Ok(server)
    }

    /// SIGTERM, then expect a clean exit (graceful shutdown).
    pub fn stop(mut self) -> Result<()> {
        self.process.take().expect("running").terminate(Duration::from_secs(10))?;
        let _ = std::fs::remove_dir_all(&self.data_dir);
        Ok(())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if self.process.is_some() {
            eprintln!("xtask: server log kept at {}", self.data_dir.join("tbs.log").display());
        }
    }
}
