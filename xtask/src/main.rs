//! `cargo xtask`: the project's build tool. It needs nothing but cargo, npm
//! and (for browser tests) Debian's chromium, all from package registries
//! (and, for `bench`, Debian's valgrind).
//!
//! * `cargo xtask serve [-- TBS ARGS]` — build the release site and run `tbs serve`
//! * `cargo xtask test` — lints, every unit/API/conformance test, then browser tests
//! * `cargo xtask build [--release]` — just build the server and the site
//! * `cargo xtask bench` — requests/s and latency of the read paths, vs a baseline
//! * `cargo xtask fuzz` — the REST API fuzzed against its OpenAPI description (also in `test`)
//!
//! The site is built the way cargo-leptos builds it, without installing it:
//! cargo builds the `frontend` crate for wasm32, the wasm-split library cuts
//! the lazily loaded micro-apps out, the wasm-bindgen library (at the exact
//! version Cargo.lock pins for the `wasm-bindgen` crate) writes the JS glue,
//! npm's binaryen `wasm-opt` shrinks release builds, and `public/` plus
//! `style/` are laid out beside them (see `site.rs`).

mod bench;
mod budget;
mod bundle;
mod compress;
mod fuzz;
mod instructions;
mod precache;
mod site;
mod stand_ins;
mod tasks;
mod test_server;
mod tools;

use anyhow::{Result, bail};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "build" => tasks::build(rest.iter().any(|a| a == "--release")).map(drop),
        "serve" => tasks::serve(passthrough(&rest)),
        "test" => tasks::test(),
        "bench" => tasks::bench(),
        "fuzz" => tasks::fuzz(),
        "" | "help" | "--help" | "-h" => {
            print!("{}", HELP);
            Ok(())
        }
        other => bail!("unknown command {other:?}\n\n{HELP}"),
    }
}

/// Arguments after `--` go to `tbs serve`.
fn passthrough(args: &[String]) -> Vec<String> {
    match args.iter().position(|a| a == "--") {
        Some(i) => args[i + 1..].to_vec(),
        None => args.to_vec(),
    }
}

const HELP: &str = "\
cargo xtask <command>

commands:
  serve [-- ARGS]    build the release site and server, then run `tbs serve ARGS`
                     (store on http://127.0.0.1:3000 with the demo catalog)
  test               fmt + clippy, all cargo tests, then browser tests in end2end/
  build [--release]  build the server binary and the site (target/site)
  bench              release server under load: req/s and latency vs a same-run baseline
  fuzz               the REST API fuzzed against its OpenAPI description (schemathesis);
                     `test` runs it too

Everything needed is installed on first use: the wasm32 target (rustup), npm
packages (binaryen's wasm-opt, playwright-core), Debian's chromium (and
valgrind, for `bench`) and, in a virtualenv, PyPI's stand-ins and schemathesis.
";
