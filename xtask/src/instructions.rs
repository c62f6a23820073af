//! `cargo xtask bench`'s instruction counts: what one request or order costs
//! in instructions, counted by callgrind (Debian's valgrind) over the
//! workloads of `server/benches/instructions.rs`, beside a bare axum
//! handler's request counted the same way. Unlike requests per second, a
//! count barely moves with the machine's load or speed (runs of one build
//! agree within about 2 %: the store's timers do more work in a longer
//! run), so it shows a change of a few percent.
//!
//! Each workload runs twice, `small` and `large` operations; one operation
//! costs the difference over the difference in operations, so starting the
//! store, which both runs pay, cancels out.

use crate::tools::{cargo, describe, ensure_valgrind};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Workload {
    mode: &'static str,
    what: &'static str,
    small: u64,
    large: u64,
}

const WORKLOADS: [Workload; 3] = [
    Workload { mode: "bare", what: "bare axum JSON handler (baseline)", small: 100, large: 600 },
    Workload { mode: "add", what: "PUT /api/cart/items/{sku}", small: 100, large: 600 },
    Workload { mode: "order", what: "completed order (whole pipeline)", small: 10, large: 60 },
];

/// Prints each workload's instructions per operation and its ratio to the baseline's.
pub fn run() -> Result<()> {
    let valgrind = ensure_valgrind()?;
    let bench = build()?;
    println!("{:<44} {:>16} {:>9}", "instructions (callgrind, client and store)", "per operation", "vs base");
    let mut baseline = None;
    for w in WORKLOADS {
        let (small, large) = (count(&valgrind, &bench, w.mode, w.small)?, count(&valgrind, &bench, w.mode, w.large)?);
        let per = per_operation(small, large, w.large - w.small)?;
        let base = *baseline.get_or_insert(per);
        println!("{:<44} {per:>16.0} {:>8.2}x", w.what, per / base);
    }
    Ok(())
}

/// The workloads' bench, built in release; its executable.
fn build() -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.args(["bench", "--package", "server", "--bench", "instructions", "--no-run", "--message-format=json"]);
    let out = cmd.output().with_context(|| format!("cannot start {}", describe(&cmd)))?;
    if !out.status.success() {
        bail!("{} failed: {}", describe(&cmd), String::from_utf8_lossy(&out.stderr));
    }
    executable(&String::from_utf8_lossy(&out.stdout)).context("cargo named no executable for the instructions bench")
}

/// The executable of the `instructions` bench among cargo's JSON messages.
fn executable(messages: &str) -> Option<PathBuf> {
    messages.lines().filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok()).find_map(|m| {
        let built = m["reason"] == "compiler-artifact" && m["target"]["name"] == "instructions";
        built.then(|| m["executable"].as_str().map(PathBuf::from)).flatten()
    })
}

/// The instructions a run of `mode` with `n` operations took, all threads together.
fn count(valgrind: &Path, bench: &Path, mode: &str, n: u64) -> Result<u64> {
    let mut cmd = Command::new(valgrind);
    cmd.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"]).arg(bench).args([mode, &n.to_string()]);
    eprintln!("xtask: $ {}", describe(&cmd));
    let out = cmd.output().with_context(|| format!("cannot start {}", describe(&cmd)))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("{} failed: {stderr}", describe(&cmd));
    }
    collected(&stderr).with_context(|| format!("callgrind reported no count: {stderr}"))
}

/// Callgrind's total from its report (`==123== Collected : 1,234,567`).
fn collected(report: &str) -> Option<u64> {
    let line = report.lines().find_map(|line| line.split_once("Collected :"))?;
    line.1.trim().replace(',', "").parse().ok()
}

/// One operation's instructions: what `more` operations added.
fn per_operation(small: u64, large: u64, more: u64) -> Result<f64> {
    if large <= small || more == 0 {
        bail!("the larger run took no more instructions ({large} against {small}): nothing to divide");
    }
    Ok((large - small) as f64 / more as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_is_read_from_callgrinds_report() {
        let report =
            "==6617== Events    : Ir\n==6617== Collected : 70,242,210\n==6617==\n==6617== I   refs:      70,242,210\n";
        assert_eq!(collected(report), Some(70_242_210));
        assert_eq!(collected("==1== no such thing\n"), None);
    }

    #[test]
    fn one_operation_costs_what_the_extra_operations_added() {
        assert_eq!(per_operation(70_242_210, 223_193_111, 500).unwrap(), 305_901.802);
        assert!(per_operation(10, 10, 500).is_err(), "no difference is no figure");
        assert!(per_operation(10, 20, 0).is_err());
    }

    #[test]
    fn the_benchs_executable_is_found_among_cargos_messages() {
        let messages = [
            r#"{"reason":"compiler-artifact","target":{"name":"server"},"executable":null}"#,
            "not json",
            r#"{"reason":"compiler-artifact","target":{"name":"instructions"},"executable":"/t/release/deps/instructions-1f"}"#,
            r#"{"reason":"build-finished","success":true}"#,
        ];
        assert_eq!(executable(&messages.join("\n")), Some(PathBuf::from("/t/release/deps/instructions-1f")));
        assert_eq!(executable(messages[0]), None);
    }
}
