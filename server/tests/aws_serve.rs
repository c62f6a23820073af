//! `tbs infra apply` then `tbs serve --backend aws` against moto serves the
//! shop, configured only by the AWS SDK's standard environment variables.
#![cfg(feature = "aws")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// The AWS backend generates no secret; a store's processes share this one.
const SHARED_SECRET: &str = "test secret shared by the processes of one store";

fn moto() -> String {
    std::env::var("TBS_TEST_AWS_ENDPOINT")
        .expect("TBS_TEST_AWS_ENDPOINT is not set: run these tests with `cargo xtask test`, which starts moto")
}

fn tbs(args: &[&str], prefix: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tbs"));
    cmd.args(args)
        .args(["--aws-prefix", prefix])
        .env("AWS_ENDPOINT_URL", moto())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("TBS_SECRET", SHARED_SECRET)
        .env_remove("AWS_PROFILE");
    cmd
}

/// GET over plain HTTP/1.1: (status, body).
fn get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let status = raw.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn infra_apply_then_serve_on_aws_serves_the_shop() {
    let prefix = format!("srv-{}-", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let applied = tbs(&["infra", "apply"], &prefix).output().unwrap();
    let said = String::from_utf8_lossy(&applied.stdout);
    assert!(applied.status.success(), "{said}{}", String::from_utf8_lossy(&applied.stderr));
    assert!(said.contains(&format!("table {prefix}catalog: created")), "{said}");
    let again = tbs(&["infra", "apply"], &prefix).output().unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains(&format!("table {prefix}catalog: exists")), "idempotent");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let server =
        tbs(&["serve", "--backend", "aws", "--addr", &addr, "--site-root", "/nonexistent"], &prefix).spawn().unwrap();
    let _server = Killed(server);
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(port, "/health/ready").map(|(s, _)| s).unwrap_or(0) != 200 {
        assert!(Instant::now() < deadline, "tbs did not become ready on the aws backend");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, body) = get(port, "/api/catalog/products?limit=100").unwrap();
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 33, "the demo catalog, seeded into DynamoDB");
    let (status, body) = get(port, "/api/catalog/products?category=garden").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("GAR-005"), "category index (GSI) answers");
    let (status, html) = get(port, "/products/KIT-001").unwrap();
    assert_eq!(status, 200);
    assert!(html.contains("Enamel Camp Mug"));
}

#[test]
fn serving_on_aws_without_a_configured_secret_refuses_to_start() {
    let out = tbs(&["serve", "--backend", "aws", "--addr", "127.0.0.1:0"], "nosecret-")
        .env_remove("TBS_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success(), "started without a secret");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TBS_SECRET"), "{err}");
}

#[test]
fn serving_on_aws_without_infrastructure_says_what_to_run() {
    let prefix = format!("none-{}-", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let out = tbs(&["serve", "--backend", "aws", "--addr", "127.0.0.1:0"], &prefix).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tbs infra apply"), "{err}");
}
