//! The service worker's precache list, written from the build: every file of
//! the bundle (so each micro-app's chunk opens offline once the worker is
//! installed) and the public files the app shell needs, under a cache named
//! by the build so a release replaces the old code whole. The worker's
//! offline page is pointed at the build's stylesheet the same way.

use anyhow::{Context, Result};
use std::path::Path;

/// Public files the shell needs offline, besides the bundle.
const SHELL: [&str; 7] = [
    "/offline.html",
    "/pwa.js",
    "/outbox.js",
    "/manifest.webmanifest",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
    "/favicon.svg",
];

/// Stamps `<site>/sw.js` with `build` and the files to precache, and the
/// offline page with the build's stylesheet.
pub fn write_service_worker(site: &Path, build: &str) -> Result<()> {
    let mut paths: Vec<String> =
        bundle_files(&site.join("pkg").join(build))?.into_iter().map(|name| format!("/pkg/{build}/{name}")).collect();
    paths.extend(SHELL.iter().map(|p| p.to_string()));
    for path in &paths {
        let file = site.join(path.trim_start_matches('/'));
        anyhow::ensure!(file.is_file(), "the precache list names {path}, which the build lacks");
    }
    let list = paths.iter().map(|p| format!("'{p}'")).collect::<Vec<_>>().join(", ");
    stamp(
        &site.join("sw.js"),
        &[
            ("const BUILD = 'dev';", format!("const BUILD = '{build}';")),
            ("const PRECACHE = [];", format!("const PRECACHE = [{list}];")),
        ],
    )?;
    // The page the worker shows for a page never saved (not a Leptos page:
    // nothing else names the build's stylesheet in it).
    stamp(&site.join("offline.html"), &[("/pkg/dev/tbs.css", format!("/pkg/{build}/tbs.css"))])
}

/// Fills in `file`'s placeholders, each `(placeholder, value)` once; fails
/// when one is missing (the public file and the build disagree).
fn stamp(file: &Path, fills: &[(&str, String)]) -> Result<()> {
    let mut text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    for (placeholder, value) in fills {
        anyhow::ensure!(text.contains(placeholder), "{} lacks `{placeholder}` to fill in", file.display());
        text = text.replacen(placeholder, value, 1);
    }
    std::fs::write(file, text)?;
    Ok(())
}

/// What a browser may fetch from the bundle: not the compressed copies (the
/// server picks those) nor the split manifest (read by the server).
fn bundle_files(pkg: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(pkg).with_context(|| format!("cannot read {}", pkg.display()))? {
        let name = entry?.file_name().to_string_lossy().to_string();
        let fetched = !name.ends_with(".br") && !name.ends_with(".gz") && name != crate::bundle::SPLIT_MANIFEST;
        if fetched {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}
