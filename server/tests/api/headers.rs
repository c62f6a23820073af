//! Security headers on every answer; `no-store` on private ones; a page's
//! Content-Security-Policy allows exactly the scripts it rendered.

use crate::helpers::{spawn_app, spawn_app_with};
use axum::http::StatusCode;
use server::config::Settings;

fn header<'a>(reply: &'a crate::helpers::Reply, name: &str) -> &'a str {
    reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_the_security_headers() {
    let app = spawn_app().await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = header(&page, "content-security-policy");
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce in the CSP");
    assert!(nonce.len() >= 16, "{csp}");
    assert!(page.body.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the CSP's nonce");
    for directive in ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "'wasm-unsafe-eval'"] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let again = app.get("/").await;
    assert_ne!(header(&again, "content-security-policy"), csp, "a fresh nonce per page");
    let fresh = header(&again, "content-security-policy").split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(again.body.contains(&format!("nonce=\"{fresh}\"")), "the page carries its own policy's nonce");
    assert!(!again.body.contains(nonce), "and no earlier page's");
    for reply in [&page, &app.get("/api/catalog/products").await, &app.get("/favicon.svg").await] {
        assert_eq!(header(reply, "x-content-type-options"), "nosniff");
        assert_eq!(header(reply, "x-frame-options"), "DENY");
        assert_eq!(header(reply, "referrer-policy"), "strict-origin-when-cross-origin");
        assert!(header(reply, "permissions-policy").contains("camera=()"));
        assert_eq!(header(reply, "strict-transport-security"), "", "no HSTS over plain HTTP");
    }
}

#[tokio::test]
async fn private_answers_are_never_cached_and_public_ones_may_be() {
    let app = spawn_app().await;
    let guarded =
        ["/api/invoices/o-1", "/api/returns", "/api/catalog/low-stock", "/api/catalog/products/KIT-001/stock-history"];
    let pages = ["/admin/inventory", "/rpc/inventory/low-stock?below=5", "/admin/products", "/rpc/products/list"];
    let private = ["/api/cart", "/account/sign-in", "/api/account/me", "/api/orders", "/orders", "/cart"];
    for path in private.iter().chain(&guarded).chain(&pages) {
        let reply = app.get(path).await;
        assert_eq!(header(&reply, "cache-control"), "no-store", "{path}: {}", reply.status);
    }
    for path in ["/", "/api/catalog/products", "/products/KIT-001"] {
        assert_ne!(header(&app.get(path).await, "cache-control"), "no-store", "{path}");
    }
}

#[tokio::test]
async fn over_https_browsers_are_told_to_stay_on_https() {
    let app = spawn_app_with(Settings { public_url: Some("https://shop.example".into()), ..Settings::default() }).await;
    let reply = app.get("/").await;
    assert!(header(&reply, "strict-transport-security").starts_with("max-age="), "{:?}", reply.headers);
}

/// The bundle's brotli or gzip copy (made by the release build) is sent to a
/// browser that takes it, as it is. The bundle lives under its build's name
/// (`build.txt`), so browsers may keep it for good; other builds' are gone.
#[tokio::test]
async fn the_bundle_is_sent_as_the_build_compressed_it_and_kept_for_good() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg").join("0123456789abcdef");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(site.path().join("build.txt"), "0123456789abcdef\n").unwrap();
    std::fs::write(pkg.join("tbs.js"), "export const plain = true;").unwrap();
    std::fs::write(pkg.join("tbs.js.br"), "brotli bytes as built").unwrap();
    std::fs::write(pkg.join("tbs.js.gz"), "gzip bytes as built").unwrap();
    let app = spawn_app_with(Settings { site_root: site.path().to_path_buf(), ..Settings::default() }).await;
    let asking = |encodings: &'static str| {
        axum::http::Request::get("/pkg/0123456789abcdef/tbs.js")
            .header("accept-encoding", encodings)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let br = app.send(asking("gzip, br")).await;
    assert_eq!(
        (br.status.as_u16(), header(&br, "content-encoding"), br.body.as_str()),
        (200, "br", "brotli bytes as built")
    );
    assert_eq!(header(&br, "cache-control"), "public, max-age=31536000, immutable");
    let gz = app.send(asking("gzip")).await;
    assert_eq!((header(&gz, "content-encoding"), gz.body.as_str()), ("gzip", "gzip bytes as built"));
    let page = app.get("/").await;
    assert!(page.body.contains(r#"href="/pkg/0123456789abcdef/tbs.css""#), "the page links this build's stylesheet");
    assert_eq!(
        header(&page, "cache-control"),
        "private, no-cache",
        "no cache between the store and the browser keeps a page"
    );
    let plain = app.send(asking("identity")).await;
    assert_eq!(plain.body, "export const plain = true;");
}

/// The site's own files keep their names from release to release: a browser
/// asks again before using its copy (a 304 when unchanged), so no release's
/// page runs beside an older release's script. The offline page allows no
/// script.
#[tokio::test]
async fn the_sites_own_files_are_asked_for_again_before_each_use() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("images")).unwrap();
    for (file, text) in [
        ("pwa.js", "// the page's worker glue"),
        ("offline.html", "<!DOCTYPE html><title>Offline</title>"),
        ("images/mug.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
    ] {
        std::fs::write(site.path().join(file), text).unwrap();
    }
    let app = spawn_app_with(Settings { site_root: site.path().to_path_buf(), ..Settings::default() }).await;
    for path in ["/pwa.js", "/offline.html", "/images/mug.svg"] {
        let reply = app.get(path).await;
        assert_eq!((reply.status, header(&reply, "cache-control")), (StatusCode::OK, "no-cache"), "{path}");
        let modified = header(&reply, "last-modified").to_string();
        let again = app
            .send(
                axum::http::Request::get(path)
                    .header("if-modified-since", modified)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!((again.status, header(&again, "cache-control")), (StatusCode::NOT_MODIFIED, "no-cache"), "{path}");
    }
    let offline = app.get("/offline.html").await;
    assert!(header(&offline, "content-security-policy").contains("script-src 'none'"), "{:?}", offline.headers);
    assert_eq!(header(&app.get("/pwa.js").await, "content-security-policy"), "");
    let missing = app.get("/no-such-file.js").await;
    assert_eq!((missing.status, header(&missing, "cache-control")), (StatusCode::NOT_FOUND, "private, no-cache"));
}
