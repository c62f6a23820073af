//! A `tbs serve` process on a data directory, killed with SIGKILL on demand.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Tbs {
    child: Child,
    pub port: u16,
}

impl Tbs {
    /// Starts `tbs serve` on `data_dir` and a free port; does not wait for it.
    pub fn spawn(data_dir: &Path, extra: &[&str]) -> Self {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_tbs"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--site-root", "/nonexistent"])
            .args(["--data-dir", data_dir.to_str().unwrap(), "--log-level", "warn"])
            .args(extra)
            .env_remove("TBS_DATA_DIR")
            .env_remove("TBS_SECRET")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        Self { child, port }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until `/health/ready` answers 200 (or panics at the deadline,
    /// or when the process has exited); other tasks go on meanwhile.
    pub async fn ready(&mut self, deadline: Duration) {
        let until = Instant::now() + deadline;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("tbs exited ({status}) before it was ready");
            }
            if ready(self.port) {
                return;
            }
            assert!(Instant::now() < until, "tbs was not ready within {deadline:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no shutdown, no flushing, like a power cut to the process.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Tbs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ready(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let mut answer = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.1 200")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The entries of a directory (none when it does not exist yet).
pub fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default()
}
