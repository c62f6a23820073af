//! Sign-in through a real OpenID Connect provider (npm `oidc-provider`,
//! started by `cargo xtask test`, see `end2end/oidc/provider.mjs`), and the
//! bearer JWTs it issues, on the API.
//!
//! The test plays the browser: it follows the issuer's redirects and posts
//! its login form, then brings the code back to the store's callback.

use crate::helpers::{TestApp, spawn_app_with};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use serde_json::json;
use server::config::Settings;
use sha2::{Digest, Sha256};

/// Where the test provider runs; the store's redirect goes to any loopback port.
const PUBLIC_URL: &str = "http://127.0.0.1:9";

fn issuer() -> String {
    std::env::var("TBS_TEST_OIDC_ISSUER")
        .expect("TBS_TEST_OIDC_ISSUER is not set: run these tests with `cargo xtask test`, which starts oidc-provider")
}

fn oidc_settings() -> Settings {
    Settings {
        public_url: Some(PUBLIC_URL.into()),
        oidc_issuer: Some(issuer()),
        oidc_client_id: Some("tbs".into()),
        oidc_client_secret: Some("tbs-secret".into()),
        oidc_audience: Some("urn:tbs:api".into()),
        ..Settings::default()
    }
}

/// A browser at the issuer: follows its redirects, signs in as `login` on its
/// login form, and returns the URL it finally sends the browser back to.
async fn sign_in_at_issuer(authorize_url: &str, login: &str) -> String {
    let browser =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let absolute = |location: &str| {
        if location.starts_with("http") { location.to_string() } else { format!("{}{location}", issuer()) }
    };
    let mut url = authorize_url.to_string();
    let mut signed_in = false;
    for _ in 0..10 {
        if url.starts_with(PUBLIC_URL) {
            return url;
        }
        let response = if url.contains("/interaction/") && !signed_in {
            signed_in = true;
            browser.post(&url).form(&[("prompt", "login"), ("login", login), ("password", "any")]).send().await
        } else {
            browser.get(&url).send().await
        }
        .unwrap();
        let status = response.status();
        let Some(location) = response.headers().get("location").map(|v| v.to_str().unwrap().to_string()) else {
            panic!("{url} answered {status} without a redirect: {}", response.text().await.unwrap());
        };
        url = absolute(&location);
    }
    panic!("the issuer kept redirecting: {url}");
}

/// `/api/account/oidc/start` → the issuer → the callback URL (path and
/// query) and the state cookie this browser got at the start.
async fn start_and_sign_in(app: &TestApp, next: &str, login: &str) -> (String, String) {
    let start = app.get(&format!("/api/account/oidc/start?next={next}")).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    let set_cookie = start.set_cookie.clone().unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let authorize = start.location.clone().unwrap();
    assert!(authorize.starts_with(&issuer()), "{authorize}");
    for part in ["code_challenge_method=S256", "nonce=", "state=", "scope=openid"] {
        assert!(authorize.contains(part), "{part} in {authorize}");
    }
    let back = sign_in_at_issuer(&authorize, login).await;
    (back.strip_prefix(PUBLIC_URL).unwrap().to_string(), start.cookie().unwrap())
}

#[tokio::test]
async fn signing_in_through_the_issuer_opens_a_session_with_roles_from_the_groups_claim() {
    let app = spawn_app_with(oidc_settings()).await;
    let (callback, state_cookie) = start_and_sign_in(&app, "/reports/completed-orders", "alice").await;
    let reply = app.call("GET", &callback, Some(&state_cookie), None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location.as_deref(), Some("/reports/completed-orders"), "back where sign-in started");
    let session = reply.cookie().unwrap();
    assert!(session.starts_with("tbs_session="), "{session}");
    let me = app.call("GET", "/api/account/me", Some(&session), None).await.json();
    assert_eq!((me["email"].clone(), me["name"].clone()), (json!("alice@example.test"), json!("Alice")));
    assert_eq!(me["roles"], json!(["shopper", "admin"]));
    let report = app.call("GET", "/api/reports/completed-orders", Some(&session), None).await;
    assert_eq!(report.status, StatusCode::OK, "an administrator by the groups claim: {}", report.body);

    // Someone without groups is a shopper; signing in again finds the same account.
    let (callback, state_cookie) = start_and_sign_in(&app, "/", "sam").await;
    let sam = app.call("GET", &callback, Some(&state_cookie), None).await.cookie().unwrap();
    let first = app.call("GET", "/api/account/me", Some(&sam), None).await.json();
    assert_eq!(first["roles"], json!(["shopper"]));
    let refused = app.call("GET", "/api/reports/completed-orders", Some(&sam), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (callback, state_cookie) = start_and_sign_in(&app, "/", "sam").await;
    let again = app.call("GET", &callback, Some(&state_cookie), None).await.cookie().unwrap();
    assert_eq!(app.call("GET", "/api/account/me", Some(&again), None).await.json()["id"], first["id"]);
}

#[tokio::test]
async fn a_callback_needs_this_browsers_state_cookie_and_works_once() {
    let app = spawn_app_with(oidc_settings()).await;
    let (callback, state_cookie) = start_and_sign_in(&app, "/account", "dora").await;

    let elsewhere = app.call("GET", &callback, None, None).await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST, "{}", elsewhere.body);
    assert_eq!(elsewhere.json()["error"]["code"], "sign_in_failed");
    let wrong_state = app.call("GET", &callback, Some("tbs_oidc=someone-elses-state"), None).await;
    assert_eq!(wrong_state.status, StatusCode::BAD_REQUEST);

    let reply = app.call("GET", &callback, Some(&state_cookie), None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let me = app.call("GET", "/api/account/me", reply.cookie().as_deref(), None).await.json();
    assert_eq!(me["roles"], json!(["shopper", "dispatcher"]));

    // Replayed, from a browser: back to the sign-in page, saying why.
    let replay = app
        .send(
            Request::get(&callback)
                .header("cookie", &state_cookie)
                .header("accept", "text/html")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(replay.status, StatusCode::SEE_OTHER);
    let to = replay.location.unwrap();
    assert!(to.starts_with("/account/sign-in?error=") && to.contains("used"), "{to}");

    let denied = app.call("GET", "/api/account/oidc/callback?error=access_denied", Some(&state_cookie), None).await;
    assert_eq!(
        (denied.status, denied.json()["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("sign_in_failed"))
    );
}

#[tokio::test]
async fn a_verified_address_links_the_existing_local_account() {
    let app = spawn_app_with(oidc_settings()).await;
    let local = app
        .call(
            "POST",
            "/api/account/register",
            None,
            Some(json!({ "email": "Alice@example.test", "name": "Alice L", "password": "long enough pw" })),
        )
        .await;
    assert_eq!(local.status, StatusCode::CREATED);
    let (callback, state_cookie) = start_and_sign_in(&app, "/account", "alice").await;
    let session = app.call("GET", &callback, Some(&state_cookie), None).await.cookie().unwrap();
    let me = app.call("GET", "/api/account/me", Some(&session), None).await.json();
    assert_eq!(me["id"], local.json()["id"], "one account, linked by the verified e-mail");
    assert_eq!(me["roles"], json!(["shopper", "admin"]));
}

/// What a non-browser client does: the code flow with PKCE for `resource`,
/// then the token endpoint. Returns the access token (a JWT).
async fn access_token(login: &str, resource: &str) -> String {
    let verifier = hex::encode(rand::random::<[u8; 32]>());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let redirect = format!("{PUBLIC_URL}/api/account/oidc/callback");
    let authorize = reqwest::Url::parse_with_params(
        &format!("{}/auth", issuer()),
        [
            ("client_id", "tbs"),
            ("response_type", "code"),
            ("scope", "openid"),
            ("redirect_uri", redirect.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("resource", resource),
            ("state", "s"),
        ],
    )
    .unwrap();
    let back = reqwest::Url::parse(&sign_in_at_issuer(authorize.as_str(), login).await).unwrap();
    let code = back.query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
    let token: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/token", issuer()))
        .basic_auth("tbs", Some("tbs-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect.as_str()),
            ("code_verifier", verifier.as_str()),
            ("resource", resource),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = token["access_token"].as_str().unwrap_or_else(|| panic!("no access token: {token}"));
    assert_eq!(access.split('.').count(), 3, "a JWT: {access}");
    access.to_string()
}

async fn me_with_bearer(app: &TestApp, token: &str) -> crate::helpers::Reply {
    app.send(
        Request::get("/api/account/me").header("authorization", format!("Bearer {token}")).body(Body::empty()).unwrap(),
    )
    .await
}

#[tokio::test]
async fn bearer_jwts_are_checked_for_signature_issuer_audience_and_expiry() {
    let app = spawn_app_with(oidc_settings()).await;
    let token = access_token("alice", "urn:tbs:api").await;
    let me = me_with_bearer(&app, &token).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["roles"], json!(["shopper", "admin"]));
    let report = app
        .send(
            Request::get("/api/reports/completed-orders")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);

    // A changed payload no longer matches the issuer's signature.
    let parts: Vec<&str> = token.split('.').collect();
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: serde_json::Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("mallory");
    let forged = format!("{}.{}.{}", parts[0], engine.encode(claims.to_string()), parts[2]);
    let refused = me_with_bearer(&app, &forged).await;
    assert_eq!(
        (refused.status, refused.json()["error"]["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("invalid_token"))
    );
    assert_eq!(me_with_bearer(&app, "not-a-jwt").await.status, StatusCode::UNAUTHORIZED);

    // The right issuer, but a token for another audience.
    let other = spawn_app_with(Settings { oidc_audience: Some("urn:tbs:other".into()), ..oidc_settings() }).await;
    let refused = me_with_bearer(&other, &token).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(refused.body.contains("Audience") || refused.body.contains("audience"), "{}", refused.body);

    // A store that trusts no issuer takes no bearer tokens.
    let local_only = crate::helpers::spawn_app().await;
    assert_eq!(me_with_bearer(&local_only, &token).await.status, StatusCode::UNAUTHORIZED);

    // A token that lives 2 seconds, with no clock skew allowed.
    let strict = spawn_app_with(Settings {
        oidc_audience: Some("urn:tbs:short".into()),
        oidc_clock_skew_secs: 0,
        ..oidc_settings()
    })
    .await;
    let short = access_token("sam", "urn:tbs:short").await;
    assert_eq!(me_with_bearer(&strict, &short).await.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let expired = me_with_bearer(&strict, &short).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "{}", expired.body);
    assert!(expired.body.contains("xpired"), "{}", expired.body);
}
