//! The commands: build, serve, test.

use crate::site::build_site;
use crate::stand_ins::free_port;
use crate::test_server::{E2E_ADMIN, TestServer};
use crate::tools::{cargo, ensure_chromium, ensure_npm_packages, ensure_wasm_target, root, run, target_dir};
use anyhow::Result;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// What a build produced.
pub struct Built {
    pub tbs: PathBuf,
    pub site: PathBuf,
}

/// Builds the `tbs` binary and the site, both in release or both in dev.
pub fn build(release: bool) -> Result<Built> {
    let mut cmd = cargo();
    cmd.args(["build", "--package", "server", "--bin", "tbs"]);
    if release {
        cmd.arg("--release");
    }
    run(&mut cmd)?;
    let tbs = target_dir().join(if release { "release" } else { "debug" }).join("tbs");
    Ok(Built { tbs, site: build_site(release)? })
}

/// `cargo xtask serve`: release build, then `tbs serve` in the foreground.
pub fn serve(args: Vec<String>) -> Result<()> {
    let built = build(true)?;
    let mut cmd = Command::new(&built.tbs);
    cmd.arg("serve").arg("--site-root").arg(&built.site).args(args).current_dir(root());
    run(&mut cmd)
}

/// `cargo xtask test`: everything CI checks, in order of cost.
pub fn test() -> Result<()> {
    let started = Instant::now();
    run(cargo().args(["fmt", "--all", "--check"]))?;
    // The AWS backends are a cargo feature; lints and tests cover them too.
    let native = ["--workspace", "--exclude", "frontend", "--features", "server/aws"];
    run(cargo().arg("clippy").args(native).args(["--all-targets", "--", "-D", "warnings"]))?;
    let wasm = ["--package", "frontend", "--target", "wasm32-unknown-unknown"];
    ensure_wasm_target()?;
    run(cargo().arg("clippy").args(wasm).args(["--", "-D", "warnings"]))?;
    // moto stands in for DynamoDB, EventBridge and SQS, localstripe for Stripe;
    // oidc-provider is a real OpenID Connect issuer, for these tests and the
    // browser's (whose store will listen on `browser_addr`). All are stopped
    // when dropped (also when a test fails).
    let browser_addr: SocketAddr = ([127, 0, 0, 1], free_port()?).into();
    let oidc = crate::stand_ins::start_oidc_provider(&[format!("http://{browser_addr}")])?;
    let moto = crate::stand_ins::start_moto()?;
    let stripe = crate::stand_ins::start_localstripe()?;
    run(cargo()
        .arg("test")
        .args(native)
        .env("TBS_TEST_AWS_ENDPOINT", moto.url())
        .env("TBS_TEST_STRIPE_API", stripe.url())
        .env("TBS_TEST_OIDC_ISSUER", oidc.url()))?;
    drop((moto, stripe));
    // Browser tests run the dev server binary (already built by the tests
    // above) against the release site: the WASM a shopper really downloads.
    // Same arguments as the tests, so cargo reuses their build (a narrower
    // `-p server` unifies features differently and rebuilds the AWS SDK).
    run(cargo().arg("build").args(native))?;
    let tbs = target_dir().join("debug").join("tbs");
    let site = build_site(true)?;
    crate::budget::check(&site)?;
    crate::fuzz::api(&tbs, &site)?;
    browser_tests(&tbs, &site, browser_addr, &oidc.url())?;
    eprintln!("xtask: all tests passed in {:.0?}", started.elapsed());
    Ok(())
}

/// `cargo xtask fuzz`: the dev server's REST API against its description.
pub fn fuzz() -> Result<()> {
    let built = build(false)?;
    crate::fuzz::api(&built.tbs, &built.site)
}

/// `cargo xtask bench`: the release server under load, each path against the baseline.
pub fn bench() -> Result<()> {
    let built = build(true)?;
    let server = TestServer::start(&built.tbs, &built.site, ([127, 0, 0, 1], free_port()?).into(), &[])?;
    let paths = [
        ("/health/live", "baseline: routing + JSON, no store"),
        ("/api/catalog/products", "catalog page (12 products)"),
        ("/api/catalog/products?q=steel&limit=100", "search, full scan + filter"),
        ("/api/catalog/products/KIT-001", "one product"),
        ("/products/KIT-001", "SSR product page"),
    ];
    println!("{:<44} {:>10} {:>9} {:>9} {:>9}", "GET", "req/s", "p50 ms", "p99 ms", "vs base");
    let mut baseline = None;
    for (path, what) in paths {
        let f = crate::bench::measure(server.addr, path)?;
        let base = *baseline.get_or_insert(f.requests_per_sec);
        println!(
            "{path:<44} {:>10.0} {:>9.2} {:>9.2} {:>8.2}x   {what}",
            f.requests_per_sec,
            f.p50_ms,
            f.p99_ms,
            f.requests_per_sec / base
        );
    }
    // In chromium: ShipmentItemProcessed → the entry on a shopper's open order
    // page; reconnecting → a cart edit queued offline applied, and what a
    // session keeps on the device; a phone's first visit (paint, hydration,
    // WASM fetched) with the CPU slowed 4×.
    let chromium = ensure_chromium()?;
    let end2end = root().join("end2end");
    ensure_npm_packages(&end2end)?;
    for script in ["bench/live-updates.mjs", "bench/reconnect.mjs", "bench/first-tap.mjs"] {
        run(Command::new("node")
            .arg(script)
            .current_dir(&end2end)
            .env("TBS_BASE_URL", format!("http://{}", server.addr))
            .env("TBS_E2E_ADMIN_EMAIL", E2E_ADMIN.0)
            .env("TBS_E2E_ADMIN_PASSWORD", E2E_ADMIN.1)
            .env("CHROMIUM_PATH", &chromium))?;
    }
    // Lighthouse scores and timings, mobile and desktop (its own npm packages).
    let lighthouse = end2end.join("lighthouse");
    ensure_npm_packages(&lighthouse)?;
    run(Command::new("node")
        .arg("run.mjs")
        .current_dir(&lighthouse)
        .env("TBS_BASE_URL", format!("http://{}", server.addr))
        .env("CHROMIUM_PATH", &chromium))?;
    server.stop()?;
    // Add-to-cart under load beside a bare axum handler; orders/s through the whole checkout pipeline.
    run(cargo().args(["bench", "--package", "server", "--bench", "checkout", "--features", "aws"]))?;
    // The instructions one add-to-cart and one order take, beside a bare request's.
    crate::instructions::run()?;
    // ShipmentItemProcessed → an open page's SSE stream, beside bare axum SSE.
    run(cargo().args(["bench", "--package", "server", "--bench", "tracking", "--features", "aws"]))?;
    // 1,000,000 orders folded into the reports view, then the report's latency.
    run(cargo().args(["bench", "--package", "server", "--bench", "reports", "--features", "aws"]))?;
    // Events through the hub: embedded, and moto's AWS stand-ins for reference.
    let moto = crate::stand_ins::start_moto()?;
    run(cargo()
        .args(["bench", "--package", "server", "--bench", "events", "--features", "aws"])
        .env("TBS_TEST_AWS_ENDPOINT", moto.url()))
}

fn browser_tests(tbs: &Path, site: &Path, addr: SocketAddr, oidc_issuer: &str) -> Result<()> {
    let chromium = ensure_chromium()?;
    let end2end = root().join("end2end");
    ensure_npm_packages(&end2end)?;
    let mailbox = std::env::temp_dir().join(format!("tbs-e2e-mailbox-{}", std::process::id()));
    let smtp = crate::stand_ins::start_smtp_sink(&mailbox)?;
    let options = [
        format!("--smtp-url=smtp://{}", smtp.addr),
        format!("--oidc-issuer={oidc_issuer}"),
        "--oidc-client-id=tbs".into(),
        "--oidc-client-secret=tbs-secret".into(),
        // The browser tests sign in or register about 20 times in 90 s, all
        // from 127.0.0.1; the limit itself is tested in server/tests/edge.
        "--rate-limit-sign-ins=120".into(),
    ];
    let server = TestServer::start(tbs, site, addr, &options)?;
    let outcome = run(Command::new("node")
        .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
        .arg("tests/")
        .current_dir(&end2end)
        .env("TBS_BASE_URL", format!("http://{}", server.addr))
        .env("TBS_E2E_MAILBOX", mailbox.join("new"))
        // The update test publishes a new service worker there, as a release would.
        .env("TBS_E2E_SITE", site)
        .env("TBS_E2E_ADMIN_EMAIL", E2E_ADMIN.0)
        .env("TBS_E2E_ADMIN_PASSWORD", E2E_ADMIN.1)
        .env("CHROMIUM_PATH", chromium));
    let stopped = server.stop();
    drop(smtp);
    let _ = std::fs::remove_dir_all(&mailbox);
    outcome?;
    stopped
}
