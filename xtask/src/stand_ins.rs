//! Local stand-ins for cloud services, installed from PyPI (with the API
//! fuzzer) into a cached virtualenv and started on a free loopback port for
//! the duration of the tests (stopped on drop, also when a test fails).

use crate::tools::run;
use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What the virtualenv must hold; a change reinstalls.
const REQUIREMENTS: &[&str] =
    &["moto[server]==5.2.5", "aiosmtpd==1.4.6", "localstripe==1.15.10", "schemathesis==4.32.5"];

/// The cache outside the clone: `$XDG_CACHE_HOME` or `~/.cache`, then `the-better-store/`.
pub fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("the-better-store")
}

/// A virtualenv with [`REQUIREMENTS`], created or updated when needed.
pub fn ensure_venv() -> Result<PathBuf> {
    let venv = cache_dir().join("venv");
    let marker = venv.join("tbs-requirements.txt");
    let wanted = REQUIREMENTS.join("\n");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(venv);
    }
    std::fs::create_dir_all(cache_dir())?;
    if !venv.join("bin/pip").exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(REQUIREMENTS))?;
    std::fs::write(&marker, wanted)?;
    Ok(venv)
}

pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process killed when dropped.
pub struct Background {
    pub name: &'static str,
    pub addr: SocketAddr,
    child: Option<Child>,
}

impl Background {
    /// Starts `cmd` (its output goes where the caller pointed it).
    pub fn spawn(name: &'static str, addr: SocketAddr, cmd: &mut Command) -> Result<Self> {
        let child = cmd.spawn().with_context(|| format!("cannot start {name}"))?;
        Ok(Self { name, addr, child: Some(child) })
    }

    /// SIGTERM, then expect a clean exit within `limit` (graceful shutdown);
    /// killed otherwise.
    pub fn terminate(mut self, limit: Duration) -> Result<()> {
        let mut child = self.child.take().expect("running until terminated or dropped");
        let outcome = graceful_exit(self.name, &mut child, limit);
        if outcome.is_err() {
            let _ = child.kill();
        }
        let _ = child.wait();
        outcome
    }

    /// Polls `path` until it answers 2xx.
    pub fn wait_ready(&mut self, path: &str, limit: Duration) -> Result<()> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!("{} exited at start ({status})", self.name);
            }
            if http_status(self.addr, path).is_ok_and(|s| (200..300).contains(&s)) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("{} did not answer {path} within {limit:?}", self.name)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// moto's server with DynamoDB's isolation restored. moto answers requests on
/// many threads, and its TransactWriteItems checks each condition, writes, and
/// on failure restores a copy of the tables taken before it began: two
/// concurrent transactions on one item can both pass their conditions (or a
/// cancelled one can roll back the other's write). DynamoDB itself applies
/// conflicting writes one at a time, so every DynamoDB call is serialised
/// here; SQS and EventBridge (long polls) stay concurrent.
const MOTO_SERIALISED: &str = "\
import sys, threading
from moto.dynamodb.responses import DynamoHandler
from moto.server import main
lock = threading.Lock()
call_action = DynamoHandler.call_action
def serialised(self):
    with lock:
        return call_action(self)
DynamoHandler.call_action = serialised
main(sys.argv[1:])
";

/// moto server: DynamoDB, EventBridge and SQS on one port.
pub fn start_moto() -> Result<Background> {
    let venv = ensure_venv()?;
    let port = free_port()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut moto = Background::spawn(
        "moto_server",
        addr,
        Command::new(venv.join("bin/python"))
            .args(["-c", MOTO_SERIALISED, "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )?;
    moto.wait_ready("/moto-api/", Duration::from_secs(30))?;
    eprintln!("xtask: moto server on {}", moto.url());
    Ok(moto)
}

/// localstripe: a Stripe API stand-in (PaymentIntents, signed webhooks).
/// Its CLI binds every interface, so it is started from Python on loopback.
pub fn start_localstripe() -> Result<Background> {
    let venv = ensure_venv()?;
    let port = free_port()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    // It keeps its state in this file, shared by every instance: start clean.
    let _ = std::fs::remove_file("/tmp/localstripe.pickle");
    let script = format!(
        "import aiohttp.web, localstripe.server as s\naiohttp.web.run_app(s.app, host='127.0.0.1', port={port}, print=None)"
    );
    let mut stripe = Background::spawn(
        "localstripe",
        addr,
        Command::new(venv.join("bin/python")).args(["-c", &script]).stdout(Stdio::null()).stderr(Stdio::null()),
    )?;
    stripe.wait_ready("/js.stripe.com/v3/", Duration::from_secs(30))?;
    eprintln!("xtask: localstripe on {}", stripe.url());
    Ok(stripe)
}

/// aiosmtpd: a real SMTP server that files every message it receives into
/// the maildir `mailbox` (read them from `mailbox/new/`).
pub fn start_smtp_sink(mailbox: &std::path::Path) -> Result<Background> {
    let venv = ensure_venv()?;
    let port = free_port()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    // aiosmtpd creates the maildir; an existing empty folder would confuse it.
    let _ = std::fs::remove_dir_all(mailbox);
    let sink = Background::spawn(
        "aiosmtpd",
        addr,
        Command::new(venv.join("bin/python"))
            .args(["-m", "aiosmtpd", "-n", "-l", &addr.to_string(), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(mailbox)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if Instant::now() > deadline {
            bail!("aiosmtpd did not listen on {addr}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("xtask: SMTP sink on {addr}, mailbox {}", mailbox.display());
    Ok(sink)
}

fn graceful_exit(name: &str, child: &mut Child, limit: Duration) -> Result<()> {
    run(Command::new("kill").args(["-TERM", &child.id().to_string()]))?;
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            if !status.success() {
                bail!("{name} exited with {status} after SIGTERM");
            }
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{name} did not stop within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The status code of a plain HTTP/1.1 GET.
fn http_status(addr: SocketAddr, path: &str) -> Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    text.get(9..12).and_then(|s| s.parse().ok()).context("not an HTTP response")
}

/// npm's `oidc-provider`: a real OpenID Connect issuer (`end2end/oidc/provider.mjs`)
/// whose client `tbs` may return to each of `stores`.
pub fn start_oidc_provider(stores: &[String]) -> Result<Background> {
    let end2end = crate::tools::root().join("end2end");
    crate::tools::ensure_npm_packages(&end2end)?;
    let port = free_port()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut provider = Background::spawn(
        "oidc-provider",
        addr,
        Command::new("node")
            .arg("oidc/provider.mjs")
            .arg(port.to_string())
            .args(stores)
            .current_dir(&end2end)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )?;
    provider.wait_ready("/.well-known/openid-configuration", Duration::from_secs(30))?;
    eprintln!("xtask: OpenID Connect provider on {}", provider.url());
    Ok(provider)
}
