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
        .args(["--checks", CHECKS, "--max-examples", EXAMPLES, "--seed", SEED, "--workers", "2", "--no-color"]);
    // Not through `run`, which would print the session cookie.
    eprintln!("xtask: schemathesis run {base}/api/openapi.json as {} (checks {CHECKS})", E2E_ADMIN.0);
    let outcome = fuzz.status().context("cannot start schemathesis");
    let stopped = server.stop();
    let _ = std::fs::remove_dir_all(&scratch);
    anyhow::ensure!(outcome?.success(), "schemathesis found answers the API's description does not allow (above)");
    stopped
}

/// The administrator's session cookie (`name=value`), signed in through the API.
fn sign_in(venv: &Path, base: &str) -> Result<String> {
    let script = r#"
import json, sys, urllib.request
body = json.dumps({"email": sys.argv[2], "password": sys.argv[3]}).encode()
request = urllib.request.Request(sys.argv[1] + "/api/account/sign-in", data=body, headers={"content-type": "application/json"})
print(urllib.request.urlopen(request).headers["set-cookie"].split(";")[0])
"#;
    let out = Command::new(venv.join("bin/python"))
        .args(["-c", script, base, E2E_ADMIN.0, E2E_ADMIN.1])
        .output()
        .context("cannot run python to sign in")?;
    anyhow::ensure!(out.status.success(), "signing in failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}
