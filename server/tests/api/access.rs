//! The access matrix: every registered API route, called by an anonymous
//! visitor, a shopper, a dispatcher and an administrator, with every method.
//! A route added without being listed here fails the first test.

use crate::helpers::{TestApp, spawn_app};
use app::account::Role;
use axum::http::StatusCode;
use serde_json::json;
use server::platform::access::Access;

/// Every API route and who may call it. Add new routes here, with their decision.
const EXPECTED: &[(&str, Access)] = &[
    ("/health/live", Access::Public),
    ("/health/ready", Access::Public),
    ("/api/catalog/products", Access::Public),
    ("/api/catalog/products/{sku}", Access::Public),
    ("/api/catalog/categories", Access::Public),
    ("/api/cart/", Access::Public),
    ("/api/cart/items/{sku}", Access::Public),
    ("/api/orders/{id}", Access::Public),
    ("/api/orders/{id}/payment", Access::Public),
    ("/api/account/register", Access::Public),
    ("/api/account/sign-in", Access::Public),
    ("/api/account/sign-out", Access::Public),
    ("/api/account/me", Access::SignedIn),
    ("/api/account/password", Access::SignedIn),
    ("/api/account/oidc/start", Access::Public),
    ("/api/account/oidc/callback", Access::Public),
    ("/api/reports/completed-orders", Access::Role(Role::Admin)),
    ("/webhooks/stripe", Access::Public),
];

#[tokio::test]
async fn every_route_has_a_listed_access_decision() {
    let app = spawn_app().await;
    let (_, table) = server::startup::api_routes::<()>(&app.state).into_parts();
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
    app.state.identity.create_user(&email, "Persona", "persona password", roles?).await.unwrap();
    Some(email)
}

async fn sign_in(app: &TestApp, email: &str) -> String {
    let reply = app
        .call("POST", "/api/account/sign-in", None, Some(json!({ "email": email, "password": "persona password" })))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.cookie().unwrap()
}

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
