//! Building the site: the hydrate WASM + JS glue, the stylesheet and the
//! public assets, laid out as the server expects (`<site>/pkg/tbs.js`,
//! `<site>/pkg/tbs_bg.wasm`, `<site>/pkg/tbs.css`, `<site>/images/…`).

use crate::tools::{cargo, ensure_wasm_target, root, run, target_dir, wasm_opt};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `output-name` the server's LeptosOptions use.
const OUTPUT_NAME: &str = "tbs";

/// Builds the site for the dev or release profile and returns its root.
pub fn build_site(release: bool) -> Result<PathBuf> {
    ensure_wasm_target()?;
    let (profile, profile_dir, site) =
        if release { ("wasm-release", "wasm-release", "site") } else { ("dev", "debug", "site-dev") };
    run(cargo().args([
        "build",
        "--package",
        "frontend",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        profile,
    ]))?;
    let wasm = target_dir().join("wasm32-unknown-unknown").join(profile_dir).join("frontend.wasm");
    let site = target_dir().join(site);
    let pkg = site.join("pkg");
    let bundle = pkg.join(format!("{OUTPUT_NAME}_bg.wasm"));
    // wasm-bindgen + wasm-opt take ~20 s: skip them when cargo's output is unchanged.
    let stamp_file = site.join(".wasm-stamp");
    let stamp = stamp_of(&wasm)?;
    if bundle.exists() && std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp.as_str()) {
        eprintln!("xtask: {} unchanged; keeping the bundle", wasm.display());
    } else {
        if site.exists() {
            std::fs::remove_dir_all(&site).with_context(|| format!("cannot clear {}", site.display()))?;
        }
        std::fs::create_dir_all(&pkg)?;
        bind_and_optimise(&wasm, &pkg, release)?;
        std::fs::write(&stamp_file, stamp)?;
    }
    copy_dir(&root().join("public"), &site)?;
    std::fs::copy(root().join("style/main.css"), pkg.join(format!("{OUTPUT_NAME}.css")))?;
    stamp_service_worker(&site)?;
    let size = std::fs::metadata(&bundle)?.len();
    if release {
        for s in crate::compress::precompress(&pkg)? {
            eprintln!("xtask: pkg/{}: {} B, brotli {} B, gzip {} B", s.name, s.raw, s.br, s.gz);
        }
    }
    eprintln!("xtask: site ready in {} (wasm {} kB)", site.display(), size / 1024);
    Ok(site)
}

/// Names the service worker's cache after this build (a hash of the bundle,
/// the stylesheet and the public files), so browsers install a release's
/// code whole and drop the old one.
fn stamp_service_worker(site: &Path) -> Result<()> {
    use std::hash::{DefaultHasher, Hasher};
    let mut hasher = DefaultHasher::new();
    let mut files = vec![site.join("pkg").join(format!("{OUTPUT_NAME}_bg.wasm"))];
    files.push(site.join("pkg").join(format!("{OUTPUT_NAME}.js")));
    files.push(site.join("pkg").join(format!("{OUTPUT_NAME}.css")));
    for name in ["outbox.js", "pwa.js", "offline.html", "manifest.webmanifest", "sw.js"] {
        files.push(site.join(name));
    }
    for file in &files {
        hasher.write(&std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?);
    }
    let worker = site.join("sw.js");
    let source = std::fs::read_to_string(&worker)?;
    let stamped = source.replacen("const BUILD = 'dev';", &format!("const BUILD = '{:016x}';", hasher.finish()), 1);
    anyhow::ensure!(stamped != source, "public/sw.js has no `const BUILD = 'dev';` to stamp");
    std::fs::write(&worker, stamped)?;
    Ok(())
}

/// Size and modification time of cargo's WASM output.
fn stamp_of(wasm: &Path) -> Result<String> {
    let meta = std::fs::metadata(wasm).with_context(|| format!("no {}", wasm.display()))?;
    let modified = meta.modified()?.duration_since(std::time::UNIX_EPOCH)?.as_nanos();
    Ok(format!("{} {modified}", meta.len()))
}

/// wasm-bindgen (JS glue), then wasm-opt for release builds.
fn bind_and_optimise(wasm: &Path, pkg: &Path, release: bool) -> Result<()> {
    eprintln!("xtask: wasm-bindgen {} → {}", wasm.display(), pkg.display());
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(wasm)
        .web(true)?
        .out_name(OUTPUT_NAME)
        .typescript(false)
        .debug(!release)
        .keep_debug(!release)
        .generate(pkg)
        .context("wasm-bindgen failed")?;
    if release {
        optimise(&pkg.join(format!("{OUTPUT_NAME}_bg.wasm")))?;
    }
    Ok(())
}

/// Shrinks the bundle in place with wasm-opt -Oz.
fn optimise(bundle: &Path) -> Result<()> {
    let optimised = bundle.with_extension("opt.wasm");
    // rustc's wasm32 target emits these post-MVP features by default.
    let features = [
        "--enable-bulk-memory",
        "--enable-nontrapping-float-to-int",
        "--enable-sign-ext",
        "--enable-mutable-globals",
        "--enable-reference-types",
        "--enable-multivalue",
    ];
    run(Command::new(wasm_opt()?).arg("-Oz").args(features).arg(bundle).arg("-o").arg(&optimised))?;
    std::fs::rename(&optimised, bundle)?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
