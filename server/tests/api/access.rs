//! The access matrix: every registered API route, called by an anonymous
//! visitor, a shopper, a dispatcher and an administrator, with every method.
//! A route added without being listed here fails the first test.

use crate::helpers::{TestApp, spawn_app};
use app::account::Role;
use axum::http::StatusCode;
use serde_json::json;
use server::identity::Identity;
use server::platform::access::Access;
use std::sync::Arc;

/// Every API route and who may call it. Add new routes here, with their decision.
const EXPECTED: &[(&str, Access)] = &[
    ("/health/live", Access::Public),
    ("/health/ready", Access::Public),
    ("/api/openapi.json", Access::Public),
    ("/metrics", Access::Public),
    ("/api/catalog/products", Access::Public),
    ("/api/catalog/products/{sku}", Access::Public),
    ("/api/catalog/categories", Access::Public),
    ("/api/cart", Access::Public),
    ("/api/cart/items/{sku}", Access::Public),
    ("/api/orders", Access::SignedIn),
    ("/api/orders/{id}", Access::OrderHolder),
    ("/api/orders/{id}/details", Access::OrderHolder),
    ("/api/orders/{id}/payment", Access::OrderHolder),
    ("/api/account/register", Access::Public),
    ("/api/account/sign-in", Access::Public),
    ("/api/account/sign-out", Access::Public),
    ("/api/account/me", Access::SignedIn),
    ("/api/account/password", Access::SignedIn),
    ("/api/account/password-reset", Access::Public),
    ("/api/account/password-reset/complete", Access::Public),
    ("/api/account/oidc/start", Access::Public),
    ("/api/account/oidc/callback", Access::Public),
    ("/api/reports/completed-orders", Access::Role(Role::Admin)),
    ("/api/fulfilment/shipping-orders", Access::Role(Role::Dispatcher)),
    ("/api/tracking/orders/{id}", Access::OrderHolder),
    ("/api/tracking/orders/{id}/events", Access::OrderHolder),
    ("/api/tracking/stream", Access::SignedIn),
    ("/api/catalog/products/{sku}/stock-adjustments/{id}", Access::Role(Role::Admin)),
    ("/api/catalog/products/{sku}/stock-history", Access::Role(Role::Admin)),
    ("/api/catalog/low-stock", Access::Role(Role::Admin)),
    ("/api/invoices/{id}", Access::OrderHolder),
    ("/api/returns/{id}", Access::OrderHolder),
    ("/api/returns", Access::Role(Role::Dispatcher)),
    ("/api/returns/{id}/receive", Access::Role(Role::Dispatcher)),
    ("/api/invoices/{id}/pdf", Access::OrderHolder),
    ("/api/invoices/{id}/credit-notes/{return_id}", Access::OrderHolder),
    ("/api/invoices/{id}/credit-notes/{return_id}/pdf", Access::OrderHolder),
    ("/api/catalog/admin/products", Access::Role(Role::Admin)),
    ("/api/catalog/admin/products/{sku}", Access::Role(Role::Admin)),
    ("/api/fulfilment/shipping-orders/{id}", Access::Role(Role::Dispatcher)),
    ("/api/fulfilment/shipping-orders/{id}/process", Access::Role(Role::Dispatcher)),
    ("/webhooks/stripe", Access::Public),
];

#[tokio::test]
async fn every_route_has_a_listed_access_decision() {
    let app = spawn_app().await;
    let (_, table) = server::startup::api_routes(&app.state).into_parts();
    let registered: Vec<(String, Access)> = table.into_iter().map(|r| (r.path, r.access)).collect();
    let expected: Vec<(String, Access)> = EXPECTED.iter().map(|(p, a)| (p.to_string(), *a)).collect();
    for route in &registered {
        assert!(expected.contains(route), "route {route:?} is not in the access matrix: decide who may call it");
    }
    for route in &expected {
        assert!(registered.contains(route), "{route:?} is listed but not registered (or registered differently)");
    }
}

/// A new account with `roles`: its e-mail (`None`: anonymous).
async fn persona(app: &TestApp, roles: Option<&[Role]>) -> Option<String> {
    let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    app.state.port::<Arc<Identity>>().create_user(&email, "Persona", "persona password", roles?).await.unwrap();
    Some(email)
}

async fn sign_in(app: &TestApp, email: &str) -> String {
    let reply = app
        .call("POST", "/api/account/sign-in", None, Some(json!({ "email": email, "password": "persona password" })))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.cookie().unwrap()
}

/// A path to call: made-up ids, and a nested router's `/` served at its prefix (`/api/cart/` is `/api/cart`).
fn concrete(path: &str) -> String {
    path.replace("{sku}", "KIT-001").replace("{id}", &uuid::Uuid::new_v4().to_string())
}

#[tokio::test]
async fn each_kind_of_caller_gets_what_the_matrix_says() {
    let app = spawn_app().await;
    let personas: [(&str, Option<&[Role]>); 4] = [
        ("anonymous", None),
        ("shopper", Some(&[])),
        ("dispatcher", Some(&[Role::Dispatcher])),
        ("admin", Some(&[Role::Admin])),
    ];
    let mut sessions = Vec::new();
    for (who, roles) in personas {
        let cookie = match persona(&app, roles).await {
            Some(email) => Some((sign_in(&app, &email).await, email)),
            None => None,
        };
        sessions.push((who, roles, cookie));
    }
    for (path, access) in EXPECTED {
        for (who, roles, session) in &sessions {
            let roles = *roles;
            let allowed = match (access, roles) {
                (Access::Public, _) => true,
                (_, None) => false,
                (Access::SignedIn, Some(_)) => true,
                // A made-up order: 404 past the guard, not a refusal.
                (Access::OrderHolder, Some(_)) => true,
                (Access::Role(role), Some(r)) => r.contains(role) || r.contains(&Role::Admin),
            };
            for method in ["GET", "POST", "PUT", "DELETE"] {
                let cookie = match session {
                    // Signing out ends the session: that route gets a fresh one each time.
                    Some((_, email)) if path.ends_with("sign-out") => Some(sign_in(&app, email).await),
                    // Deleting the account ends it: a throw-away account with the same roles.
                    Some(_) if method == "DELETE" && path.ends_with("/me") => {
                        Some(sign_in(&app, &persona(&app, roles).await.unwrap()).await)
                    }
                    Some((cookie, _)) => Some(cookie.clone()),
                    None => None,
                };
                let reply = app.call(method, &concrete(path), cookie.as_deref(), Some(json!({}))).await;
                let refused = matches!(reply.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
                let credentials_refused = reply.body.contains("invalid_credentials");
                if allowed {
                    assert!(
                        !refused || credentials_refused,
                        "{who} {method} {path}: refused {}: {}",
                        reply.status,
                        reply.body
                    );
                } else {
                    let want = if roles.is_none() { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
                    assert_eq!(reply.status, want, "{who} {method} {path}: {}", reply.body);
                }
            }
        }
    }
}

/// Every server function (`/rpc/…`) and who may call it; each checks its
/// caller itself (`app::account::ssr::require`, or the session it acts on).
const SERVER_FNS: &[(&str, Access)] = &[
    ("/rpc/catalog/products", Access::Public),
    ("/rpc/catalog/product", Access::Public),
    ("/rpc/catalog/categories", Access::Public),
    ("/rpc/cart/get", Access::Public),
    ("/rpc/cart/add", Access::Public),
    ("/rpc/orders/place", Access::Public),
    ("/rpc/orders/get", Access::Public),
    ("/rpc/orders/pay", Access::Public),
    ("/rpc/orders/mine", Access::SignedIn),
    ("/rpc/orders/details", Access::OrderHolder),
    ("/rpc/account/me", Access::Public),
    ("/rpc/account/single-sign-on", Access::Public),
    ("/rpc/account/sign-in", Access::Public),
    ("/rpc/account/register", Access::Public),
    ("/rpc/account/sign-out", Access::Public),
    ("/rpc/account/profile", Access::SignedIn),
    ("/rpc/account/delete", Access::SignedIn),
    ("/rpc/account/password", Access::SignedIn),
    ("/rpc/account/password-reset", Access::Public),
    ("/rpc/account/password-reset/complete", Access::Public),
    ("/rpc/reports/completed-orders", Access::Role(Role::Admin)),
    ("/rpc/dispatch/queue", Access::Role(Role::Dispatcher)),
    ("/rpc/dispatch/order", Access::Role(Role::Dispatcher)),
    ("/rpc/dispatch/process", Access::Role(Role::Dispatcher)),
    ("/rpc/inventory/low-stock", Access::Role(Role::Admin)),
    ("/rpc/inventory/history", Access::Role(Role::Admin)),
    ("/rpc/inventory/adjust", Access::Role(Role::Admin)),
    ("/rpc/returns/form", Access::OrderHolder),
    ("/rpc/returns/request", Access::OrderHolder),
    ("/rpc/returns/open", Access::Role(Role::Dispatcher)),
    ("/rpc/returns/receive", Access::Role(Role::Dispatcher)),
    ("/rpc/products/list", Access::Role(Role::Admin)),
    ("/rpc/products/form", Access::Role(Role::Admin)),
    ("/rpc/products/save", Access::Role(Role::Admin)),
];

#[tokio::test]
async fn every_server_function_has_a_listed_access_decision() {
    let _app = spawn_app().await;
    let registered: std::collections::BTreeSet<&str> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    let listed: std::collections::BTreeSet<&str> = SERVER_FNS.iter().map(|(p, _)| *p).collect();
    for path in &registered {
        assert!(listed.contains(path), "server function {path} is not in the access matrix: decide who may call it");
    }
    assert_eq!(registered, listed, "listed server functions that do not exist");
}

#[tokio::test]
async fn guarded_server_functions_refuse_anonymous_and_wrong_roles() {
    let app = spawn_app().await;
    let methods: std::collections::HashMap<&str, String> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, method)| (path, method.to_string())).collect();
    for (path, access) in SERVER_FNS {
        for roles in [None, Some(&[][..]), Some(&[Role::Dispatcher][..]), Some(&[Role::Admin][..])] {
            let cookie = match persona(&app, roles).await {
                Some(email) => Some(sign_in(&app, &email).await),
                None => None,
            };
            // Arguments that decode for the guarded ones (the public ones may answer 400).
            let form = match *path {
                "/rpc/account/profile" => format!("name=P&email={}%40example.com", uuid::Uuid::new_v4().simple()),
                "/rpc/account/delete" => "confirm=DELETE".into(),
                "/rpc/account/password" => "current_password=persona+password&new_password=persona+password".into(),
                "/rpc/reports/completed-orders" => "months=12".into(),
                "/rpc/dispatch/order" => "id=so-none".into(),
                "/rpc/orders/details" => format!("order_id={}", uuid::Uuid::new_v4()),
                "/rpc/inventory/low-stock" => "below=5".into(),
                "/rpc/inventory/history" => "sku=NOPE-001".into(),
                "/rpc/inventory/adjust" => {
                    format!("sku=NOPE-001&id={}&reason=received&quantity=1&note=", uuid::Uuid::new_v4())
                }
                "/rpc/returns/form" => format!("order_id={}", uuid::Uuid::new_v4()),
                "/rpc/products/form" => "sku=NOPE-001".into(),
                "/rpc/products/save" => {
                    "sku=NOPE-001&name=N&description=&price=1.00&category=kitchen&fulfilment=physical&image=&expected_version=1"
                        .into()
                }
                "/rpc/returns/request" => format!(
                    "id={}&order_id={}&lines[0][sku]=KIT-001&lines[0][quantity]=1&reason=small",
                    uuid::Uuid::new_v4(),
                    uuid::Uuid::new_v4()
                ),
                "/rpc/returns/receive" => format!(
                    "id={}&lines[0][sku]=KIT-001&lines[0][quantity]=1&lines[0][condition]=resellable",
                    uuid::Uuid::new_v4()
                ),
                "/rpc/dispatch/process" => {
                    "id=so-none&lines[0]=KIT-001&carrier=UPS&tracking_number=1Z&expected_version=1".into()
                }
                _ => String::new(),
            };
            let method = methods[path].as_str();
            let uri = if method == "GET" { format!("{path}?{form}") } else { path.to_string() };
            let mut request = axum::http::Request::builder().method(method).uri(uri);
            if let Some(cookie) = &cookie {
                request = request.header("cookie", cookie);
            }
            let request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(form))
                .unwrap();
            let reply = app.send(request).await;
            let want_refusal = match (access, roles) {
                (Access::Public, _) => None,
                (_, None) => Some(StatusCode::UNAUTHORIZED),
                (Access::SignedIn | Access::OrderHolder, Some(_)) => None,
                (Access::Role(role), Some(r)) if r.contains(role) || r.contains(&Role::Admin) => None,
                (Access::Role(_), Some(_)) => Some(StatusCode::FORBIDDEN),
            };
            match want_refusal {
                Some(status) => assert_eq!(reply.status, status, "{roles:?} {path}: {}", reply.body),
                None => {
                    let refused = matches!(reply.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
                    assert!(!refused, "{roles:?} {path}: {} {}", reply.status, reply.body);
                    // Past the guard: a success, or the service's own answer (e.g. 404 for a made-up id).
                    if *access != Access::Public {
                        assert!(
                            reply.status.is_success() || reply.status == StatusCode::NOT_FOUND,
                            "{roles:?} {path}: {} {}",
                            reply.status,
                            reply.body
                        );
                    }
                }
            }
        }
    }
}
