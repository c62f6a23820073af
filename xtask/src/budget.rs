//! What a shopper downloads: the first page's WASM against its budget, and
//! what each lazily loaded micro-app adds when first visited (its chunks
//! from the split manifest, brotli-compressed as the server sends them).

use crate::bundle::{OUTPUT_NAME, SPLIT_MANIFEST};
use crate::site::BUILD_FILE;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// The most the shop's first page may download of WASM, brotli. A ratchet
/// just above today's 198.7 kB (from ~460 kB in one bundle, 282.5 kB split,
/// 251.0 kB with Leptos's erased components, 246.0 kB without Unicode case
/// tables, 243.7 kB with one JSON decoder, 232.7 kB with the browser's own
/// JSON parser, 226.8 kB with cart edits decoded without serde's buffering,
/// 221.7 kB with no float formatting, 217.6 kB with the outbox read by a
/// chunk of its own, 215.6 kB with similar functions merged; 1.2 kB more so
/// that the header counts what was queued while that chunk cannot be had,
/// and as much less with one route type for every micro-app's page; 200.2 kB
/// with erased views hydrating in one step, 198.7 kB with routes listed on
/// the server only), to be lowered as the first download shrinks; it is kept
/// under 200 kB, and the next aim is 150 kB. Its brotli size moves by up to
/// 0.3 kB when source lines move (the panic locations change), hence the room
/// above today's figure.
pub const INITIAL_WASM_BROTLI: u64 = 199_600;

/// Brotli size of the first download's WASM in the site's current build.
pub fn initial_wasm(site: &Path) -> Result<u64> {
    let build =
        std::fs::read_to_string(site.join(BUILD_FILE)).with_context(|| format!("the site has no {BUILD_FILE}"))?;
    let wasm = site.join("pkg").join(build.trim()).join(format!("{OUTPUT_NAME}_bg.wasm.br"));
    Ok(std::fs::metadata(&wasm).with_context(|| format!("no {} (a release build makes it)", wasm.display()))?.len())
}

/// Fails when the first download's WASM is over budget.
pub fn check(site: &Path) -> Result<()> {
    let size = initial_wasm(site)?;
    anyhow::ensure!(
        size <= INITIAL_WASM_BROTLI,
        "the first page's WASM is {size} B brotli, over its budget of {INITIAL_WASM_BROTLI} B"
    );
    eprintln!("xtask: first page's WASM {size} B brotli, within {INITIAL_WASM_BROTLI} B");
    Ok(())
}

/// Prints, per micro-app, the chunks its first visit loads and their brotli total.
pub fn print_micro_apps(pkg: &Path) -> Result<()> {
    let manifest = std::fs::read_to_string(pkg.join(SPLIT_MANIFEST))?;
    let manifest: BTreeMap<String, Vec<String>> = serde_json::from_str(&manifest)?;
    for (split, files) in manifest {
        let mut brotli = 0;
        for file in &files {
            brotli += std::fs::metadata(pkg.join(format!("{file}.wasm.br")))?.len();
        }
        let app = split.rsplit_once('_').map_or(split.as_str(), |(name, _hash)| name);
        eprintln!("xtask: {app} (lazily loaded): {} files, {brotli} B brotli", files.len());
    }
    Ok(())
}
