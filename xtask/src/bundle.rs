//! From cargo's WASM to the files a browser loads: wasm-split cuts each lazily
//! loaded micro-app out at its `#[lazy]` split point (`app/src/pages/lazy.rs`),
//! with the code micro-apps share in one chunk beside them, wasm-bindgen
//! writes the JS glue for what stays in the first download, and wasm-opt
//! shrinks every piece of a release build.

use crate::tools::{run, wasm_opt};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use wasm_split_cli_support::SharedChunks;

/// The `output-name` the server's LeptosOptions use: `tbs.js`, `tbs_bg.wasm`.
pub const OUTPUT_NAME: &str = "tbs";
/// The loader of the split-off chunks, under the name Leptos's
/// `HydrationScripts` preloads when it does not hash file names itself.
const SPLIT_JS: &str = "__wasm_split.______________________.js";
/// Which chunks each lazily loaded function needs; Leptos reads it to preload
/// the chunks of the page it renders.
pub const SPLIT_MANIFEST: &str = "__wasm_split_manifest.json";

/// The split modules whose shared code is not merged into the micro-apps'
/// one shared chunk: the outbox's reader (`app/src/device/js.rs`), which a
/// first page loads when something waits to be sent, and which should not
/// bring the micro-apps' code with it.
const KEPT_APART: &[&str] = &["outbox"];

/// Writes the bundle for `wasm` into `pkg`: `tbs.js`, `tbs_bg.wasm`, the
/// chunks, their loader and manifest.
pub fn bundle(wasm: &Path, pkg: &Path, release: bool) -> Result<()> {
    let main = split(wasm, pkg)?;
    bind(&main, pkg, release)?;
    std::fs::remove_file(&main)?;
    if release {
        for piece in wasm_files(pkg)? {
            optimise(&piece)?;
        }
    }
    Ok(())
}

/// Splits `wasm` into the main module (returned, still to be bound) and the
/// chunks (written to `pkg` beside their loader).
fn split(wasm: &Path, pkg: &Path) -> Result<PathBuf> {
    eprintln!("xtask: wasm-split {} → {}", wasm.display(), pkg.display());
    let input = std::fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    let main = wasm.with_file_name("frontend_split.wasm");
    let link_name = format!("./{SPLIT_JS}");
    let split = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&input);
        options.output_dir = pkg;
        options.main_out_path = &main;
        options.main_module = "./tbs.js";
        options.link_name = &link_name;
        options.shared_chunks = SharedChunks::Merged { apart: KEPT_APART };
        options
    })
    .map_err(|e| anyhow::anyhow!("wasm-split failed: {e:?}"))?;
    for apart in KEPT_APART {
        anyhow::ensure!(split.prefetch_map.contains_key(*apart), "no split point `{apart}` to keep apart (renamed?)");
    }
    let manifest: std::collections::BTreeMap<_, _> = split.prefetch_map.into_iter().collect();
    std::fs::write(pkg.join(SPLIT_MANIFEST), serde_json::to_string_pretty(&manifest)?)?;
    Ok(main)
}

/// wasm-bindgen: the JS glue and `tbs_bg.wasm`, keeping the exports the
/// chunks link against.
fn bind(main: &Path, pkg: &Path, release: bool) -> Result<()> {
    eprintln!("xtask: wasm-bindgen {} → {}", main.display(), pkg.display());
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(main)
        .web(true)?
        .out_name(OUTPUT_NAME)
        .typescript(false)
        .keep_lld_exports(true)
        .demangle(false)
        .debug(!release)
        .keep_debug(!release)
        .generate(pkg)
        .context("wasm-bindgen failed")
}

/// The `.wasm` files in `dir`, by name.
fn wasm_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Shrinks a module in place with wasm-opt: functions that differ only in
/// constants merged into one (`--merge-similar-functions`), then two rounds
/// of `-Oz`; the first page's WASM is 2.0 kB (brotli) smaller than with one
/// `-Oz`. (`--flatten --rereloop` saved 0.8 kB more but slowed hydration.)
fn optimise(module: &Path) -> Result<()> {
    let optimised = module.with_extension("opt.wasm");
    // rustc's wasm32 target emits these post-MVP features by default.
    let features = [
        "--enable-bulk-memory",
        "--enable-nontrapping-float-to-int",
        "--enable-sign-ext",
        "--enable-mutable-globals",
        "--enable-reference-types",
        "--enable-multivalue",
    ];
    let mut cmd = Command::new(wasm_opt()?);
    if std::env::var_os("TBS_WASM_KEEP_NAMES").is_some() {
        cmd.arg("-g");
    }
    cmd.args(["--merge-similar-functions", "-Oz", "-Oz"]).args(features);
    run(cmd.arg(module).arg("-o").arg(&optimised))?;
    std::fs::rename(&optimised, module)?;
    Ok(())
}
