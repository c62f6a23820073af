//! `cargo xtask bench`: throughput and latency of the main read paths of a
//! release `tbs`, each beside a baseline measured in the same run
//! (`/health/live`: routing plus JSON, no store), so the ratios stay
//! meaningful on a busy or different machine.
//!
//! The load comes from a small keep-alive HTTP/1.1 client in this process
//! (no extra tool to install), on loopback only, bounded in time.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 8;
const DURATION: Duration = Duration::from_secs(5);
const WARM_UP: Duration = Duration::from_millis(500);

pub struct Figures {
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Loads `path` from `CONNECTIONS` connections for `DURATION`.
pub fn measure(addr: SocketAddr, path: &str) -> Result<Figures> {
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let path = path.to_string();
            std::thread::spawn(move || worker(addr, &path))
        })
        .collect();
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.join().map_err(|_| anyhow::anyhow!("bench worker panicked"))??);
    }
    if latencies.is_empty() {
        bail!("no request to {path} completed");
    }
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    Ok(Figures {
        requests_per_sec: latencies.len() as f64 / DURATION.as_secs_f64(),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    })
}

fn worker(addr: SocketAddr, path: &str) -> Result<Vec<Duration>> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let start = Instant::now();
    let mut latencies = Vec::new();
    while start.elapsed() < WARM_UP + DURATION {
        let sent = Instant::now();
        writer.write_all(request.as_bytes())?;
        let status = read_response(&mut reader)?;
        if status != 200 {
            bail!("GET {path} answered {status}");
        }
        if start.elapsed() > WARM_UP {
            latencies.push(sent.elapsed());
        }
    }
    Ok(latencies)
}

/// Reads one response (status line, headers, Content-Length or chunked body).
fn read_response(reader: &mut impl BufRead) -> Result<u16> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line.get(9..12).and_then(|s| s.parse().ok()).context("bad status line")?;
    let (mut length, mut chunked) = (0usize, false);
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse()?;
        } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim(), 16)?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
        }
    } else {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
    }
    Ok(status)
}
