//! The REST API fuzzed against its own description: schemathesis (PyPI)
//! generates requests from `GET /api/openapi.json` (valid and invalid ones,
//! then sequences that follow its links) and checks every answer: never a
//! 5xx, every status documented, bodies and headers as described, 405 for a
//! method a path does not have. It calls as an administrator, with the
//! per-client limits off, so the requests reach the services' own checks
//! (the limits have their own test, `server/tests/edge`).

use crate::stand_ins::{ensure_venv, free_port};
use crate::test_server::{E2E_ADMIN, TestServer};
use anyhow::{Context, Result};
use std::path::Path;
use std::process::Command;

/// What every answer must satisfy (schemathesis's names for its checks).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
    response_headers_conformance,response_schema_conformance,unsupported_method";

/// Examples per operation and phase; with a fixed seed a failure replays.
const EXAMPLES: &str = "30";
const SEED: &str = "1";

/// Fuzzes the API of a `tbs` built from this tree.
pub fn api(tbs: &Path, site: &Path) -> Result<()> {
    let venv = ensure_venv()?;
    let limits_off = ["--rate-limit-writes=0".to_string(), "--rate-limit-sign-ins=0".to_string()];
    let server = TestServer::start(tbs, site, ([127, 0, 0, 1], free_port()?).into(), &limits_off)?;
    let base = format!("http://{}", server.addr);
    let cookie = sign_in(&venv, &base)?;
    // schemathesis keeps a cache in its working directory: one of its own,
    // outside the clone, new each run so every run starts alike.
    let scratch = std::env::temp_dir().join(format!("tbs-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let mut fuzz = Command::new(venv.join("bin/schemathesis"));
    fuzz.current_dir(&scratch)
        .args(["run", &format!("{base}/api/openapi.json"), "--url", &base])
        .args(["--header", &format!("Cookie: {cookie}")])
        // Ending the session or the account would leave the rest unauthorised.
        .args(["--exclude-path", "/api/account/sign-out", "--exclude-name", "DELETE /api/account/me"])
        // An order's live timeline never ends, and schemathesis reads an answer to its end: given
        // the real order's id it waits out its timeout, over and over (its own tests cover it).
        .args(["--exclude-name", "GET /api/tracking/orders/{id}/events"])
        .args(["--checks", CHECKS, "--max-examples", EXAMPLES, "--seed", SEED, "--workers", "2", "--no-color"]);
    // Not through `run`, which would print the session cookie.
    eprintln!("xtask: schemathesis run {base}/api/openapi.json as {} (checks {CHECKS})", E2E_ADMIN.0);
    let outcome = fuzz.status().context("cannot start schemathesis");
    let stopped = server.stop();
    let _ = std::fs::remove_dir_all(&scratch);
    anyhow::ensure!(outcome?.success(), "schemathesis found answers the API's description does not allow (above)");
    stopped
}

/// The administrator's session cookie (`name=value`), signed in through the
/// API, after placing and paying an order, so that the links from the
/// listings (my orders, the dispatch queue) lead the fuzzer to real ones.
fn sign_in(venv: &Path, base: &str) -> Result<String> {
    let script = r#"
import json, sys, time, uuid, urllib.request
base = sys.argv[1]
def call(method, path, body, cookie=None):
    headers = {"content-type": "application/json"}
    if cookie:
        headers["cookie"] = cookie
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers=headers, method=method)
    return urllib.request.urlopen(request)
signed_in = call("POST", "/api/account/sign-in", {"email": sys.argv[2], "password": sys.argv[3]})
cookie = signed_in.headers["set-cookie"].split(";")[0]
call("PUT", "/api/cart/items/KIT-001", {"quantity": 1}, cookie)
order = "/api/orders/" + str(uuid.uuid4())
address = {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}
call("PUT", order, {"email": sys.argv[2], "shipping_address": address}, cookie)
deadline = time.time() + 30
while not json.load(urllib.request.urlopen(urllib.request.Request(base + order, headers={"cookie": cookie})))["stock_reserved"]:
    assert time.time() < deadline, "the order's stock was not reserved within 30 s"
    time.sleep(0.05)
call("POST", order + "/payment", {"card": {"number": "4242424242424242", "expiry": "12/34", "cvc": "123"}}, cookie)
print(cookie)
"#;
    let out = Command::new(venv.join("bin/python"))
        .args(["-c", script, base, E2E_ADMIN.0, E2E_ADMIN.1])
        .output()
        .context("cannot run python to sign in")?;
    anyhow::ensure!(out.status.success(), "signing in and ordering failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}
