//! Building the site, laid out as the server expects: the public files at its
//! root, and this build's bundle (the WASM and its chunks, JS glue,
//! stylesheet) in `pkg/<build>/`, named by a hash of its contents so browsers
//! may keep it forever. `build.txt` says which build is current.

use crate::bundle::{OUTPUT_NAME, bundle};
use crate::tools::{cargo, ensure_wasm_target, root, run, target_dir};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Builds the site for the dev or release profile and returns its root.
pub fn build_site(release: bool) -> Result<PathBuf> {
    ensure_wasm_target()?;
    let (profile, profile_dir, name) =
        if release { ("wasm-release", "wasm-release", "site") } else { ("dev", "debug", "site-dev") };
    run(cargo()
        .args(["build", "--package", "frontend", "--lib", "--target", "wasm32-unknown-unknown", "--profile"])
        .arg(profile)
        .arg("--config")
        .arg(short_source_paths()))?;
    let wasm = target_dir().join("wasm32-unknown-unknown").join(profile_dir).join("frontend.wasm");
    let bundled = bundled(&wasm, &target_dir().join(format!("{name}-bundle")), release)?;
    let site = target_dir().join(name);
    if site.exists() {
        std::fs::remove_dir_all(&site).with_context(|| format!("cannot clear {}", site.display()))?;
    }
    copy_dir(&root().join("public"), &site)?;
    let next = site.join("pkg").join("next");
    copy_dir(&bundled, &next)?;
    std::fs::remove_file(next.join(STAMP))?;
    std::fs::copy(root().join("style/main.css"), next.join(format!("{OUTPUT_NAME}.css")))?;
    let build = format!("{:016x}", digest(&next)?);
    let pkg = site.join("pkg").join(&build);
    std::fs::rename(&next, &pkg)?;
    std::fs::write(site.join(BUILD_FILE), &build)?;
    if release {
        report_sizes(&pkg)?;
    }
    crate::precache::write_service_worker(&site, &build)?;
    eprintln!("xtask: site ready in {} (build {build})", site.display());
    Ok(site)
}

/// Cargo configuration that cuts the folders off the source paths the WASM
/// keeps for its panic messages (`/home/…/.cargo/registry/src/index…/leptos-0.8.23/src/…`
/// becomes `leptos-0.8.23/src/…`, this workspace's `app/src/…`): the
/// first page downloads less, and a build names no machine's folders.
fn short_source_paths() -> String {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"));
    let registries = std::fs::read_dir(cargo_home.join("registry").join("src")).into_iter().flatten().flatten();
    let prefixes = std::iter::once(root()).chain(registries.map(|entry| entry.path()));
    let flags: Vec<String> =
        prefixes.map(|p| format!("\"--remap-path-prefix={}/=\"", p.display().to_string().replace('\\', "/"))).collect();
    format!("target.wasm32-unknown-unknown.rustflags=[{}]", flags.join(","))
}

/// Names the current build (read by `tbs` to find its bundle).
pub const BUILD_FILE: &str = "build.txt";

const STAMP: &str = ".wasm-stamp";

/// The bundle of cargo's `wasm` in `dir`, made again only when cargo's
/// output or the way it is bundled (this program, with wasm-split and
/// wasm-bindgen linked in, and whether names are kept) changed: splitting,
/// binding and wasm-opt take ~30 s.
fn bundled(wasm: &Path, dir: &Path, release: bool) -> Result<PathBuf> {
    let names_kept = std::env::var_os("TBS_WASM_KEEP_NAMES").is_some();
    let stamp = format!("{} {} {names_kept}", stamp_of(wasm)?, stamp_of(&this_program()?)?);
    if std::fs::read_to_string(dir.join(STAMP)).ok().as_deref() == Some(stamp.as_str()) {
        eprintln!("xtask: {} unchanged; keeping the bundle", wasm.display());
        return Ok(dir.to_path_buf());
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    bundle(wasm, dir, release)?;
    std::fs::write(dir.join(STAMP), stamp)?;
    Ok(dir.to_path_buf())
}

/// This program's file. On Linux through `/proc/self/exe`, which still
/// reaches it once cargo has replaced it (as `cargo xtask test` does when it
/// builds the workspace), where `current_exe` names a file that is gone.
fn this_program() -> Result<PathBuf> {
    let running = Path::new("/proc/self/exe");
    Ok(if running.exists() { running.to_path_buf() } else { std::env::current_exe()? })
}

/// Size and modification time of `file`.
fn stamp_of(file: &Path) -> Result<String> {
    let meta = std::fs::metadata(file).with_context(|| format!("no {}", file.display()))?;
    let modified = meta.modified()?.duration_since(std::time::UNIX_EPOCH)?.as_nanos();
    Ok(format!("{} {modified}", meta.len()))
}

/// A hash of the names and contents of the files in `dir`.
fn digest(dir: &Path) -> Result<u64> {
    use std::hash::{DefaultHasher, Hasher};
    let mut hasher = DefaultHasher::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    files.sort();
    for file in files {
        hasher.write(file.file_name().unwrap_or_default().as_encoded_bytes());
        hasher.write(&std::fs::read(&file)?);
    }
    Ok(hasher.finish())
}

/// Compresses the bundle (brotli and gzip beside each file) and prints every
/// piece's sizes: the first download, then each lazily loaded chunk.
fn report_sizes(pkg: &Path) -> Result<()> {
    for s in crate::compress::precompress(pkg)? {
        eprintln!("xtask: pkg/{}: {} B, brotli {} B, gzip {} B", s.name, s.raw, s.br, s.gz);
    }
    crate::budget::print_micro_apps(pkg)?;
    eprintln!("xtask: first page: {OUTPUT_NAME}_bg.wasm (budget {} B brotli)", crate::budget::INITIAL_WASM_BROTLI);
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
