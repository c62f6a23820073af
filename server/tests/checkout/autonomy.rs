//! Services are autonomous on AWS: run as four processes (the shop's
//! services; identity; notifications and fulfilment; the reports and
//! tracking views), each with its own access key, every AWS call goes
//! through a proxy in front of moto that logs which key touched which
//! table. Each process touches only its own services' tables (and the
//! platform's fault log); a process without identity learns who is calling
//! from identity's API.
#![cfg(feature = "aws")]

use crate::harness::{aws_process_with, infra_apply};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// Tables each access key touched.
type Touched = Arc<Mutex<BTreeMap<String, BTreeSet<String>>>>;

#[derive(Clone)]
struct Proxy {
    moto: String,
    client: reqwest::Client,
    touched: Touched,
}

/// Starts the logging proxy in front of moto; returns its URL and the log.
async fn logging_proxy() -> (String, Touched) {
    let moto = std::env::var("TBS_TEST_AWS_ENDPOINT").expect("run with `cargo xtask test`, which starts moto");
    let touched = Touched::default();
    let proxy = Proxy { moto, client: reqwest::Client::new(), touched: touched.clone() };
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, touched)
}

/// Records the tables a DynamoDB call names under its access key, then passes it to moto.
async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let key = access_key(&parts.headers);
    if let Ok(json) = serde_json::from_slice::<Value>(&body) {
        let mut tables = BTreeSet::new();
        table_names(&json, &mut tables);
        proxy.touched.lock().unwrap().entry(key).or_default().extend(tables);
    }
    let url = format!("{}{}", proxy.moto, parts.uri.path_and_query().map_or("/", |p| p.as_str()));
    let mut upstream = proxy.client.request(parts.method, url).body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.unwrap();
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        response = response.header(name, value);
    }
    response.body(Body::from(answer.bytes().await.unwrap())).unwrap()
}

/// The access key of a SigV4 `Authorization` header (`… Credential=KEY/date/…`).
fn access_key(headers: &axum::http::HeaderMap) -> String {
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let credential = authorization.split("Credential=").nth(1).unwrap_or_default();
    credential.split('/').next().unwrap_or_default().to_string()
}

/// Every table a DynamoDB request names (`TableName` anywhere, `RequestItems` keys).
fn table_names(json: &Value, out: &mut BTreeSet<String>) {
    match json {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("TableName", Value::String(name)) => {
                        out.insert(name.clone());
                    }
                    ("RequestItems", Value::Object(items)) => out.extend(items.keys().cloned()),
                    _ => table_names(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| table_names(item, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_process_touches_only_the_tables_of_its_services() {
    let prefix = format!("own-{}-", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    infra_apply(&prefix);
    let (proxy, touched) = logging_proxy().await;
    let process = |services: &'static str, key: &'static str, identity: Option<String>| {
        let proxy = proxy.clone();
        let prefix = prefix.clone();
        async move {
            aws_process_with(&prefix, 1800, move |cmd| {
                cmd.args(["--services", services]).env("AWS_ENDPOINT_URL", &proxy).env("AWS_ACCESS_KEY_ID", key);
                if let Some(identity) = identity {
                    cmd.args(["--identity-url", &identity]);
                }
            })
            .await
        }
    };
    let identity = process("identity", "identity-key", None).await;
    let front = process("catalog,cart,orders,payments", "front-key", Some(identity.base.clone())).await;
    let back = process("notifications,fulfilment", "back-key", Some(identity.base.clone())).await;
    let views = process("reports,tracking", "views-key", Some(identity.base.clone())).await;

    // Ann signs up with identity, then shops at the front with that session.
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let mut signing_up = identity.shopper();
    let account = signing_up.register(format!("own-{tag}@example.com"), "Ann").await.body;
    let mut ann = front.shopper();
    ann.use_cookie(signing_up.cookie().expect("a session cookie"));
    ann.add("KIT-001", 1).await;
    let id = uuid::Uuid::new_v4().to_string();
    assert_eq!(ann.place(&id).await.status, 201);
    ann.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    assert_eq!(ann.pay(&id, "4242424242424242").await.status, 202);
    let done = ann
        .order_until(&id, "receipt and shipping order", |o| {
            o["receipt_sent"] == true && o["shipping_status"] == "pending"
        })
        .await;
    assert_eq!(done["account_id"], account["id"], "the front knew Ann from identity's API: {done}");
    // The views know her too: her order's timeline, asked with her session.
    let mut reading = views.shopper();
    reading.use_cookie(signing_up.cookie().unwrap());
    let timeline = reading.call("GET", &format!("/api/tracking/orders/{id}"), None).await;
    assert_eq!(timeline.status, 200, "{}", timeline.body);
    assert_eq!(back.mails().len(), 1, "the back process sent the receipt");

    let touched = touched.lock().unwrap().clone();
    // Besides its services' tables, a process may use the platform's fault
    // log (`hub`: events a consumer dead-lettered, for `tbs faults`).
    let own = |names: &[&str]| names.iter().chain(&["hub"]).map(|n| format!("{prefix}{n}")).collect::<BTreeSet<_>>();
    let expected = [
        ("front-key", own(&["catalog", "carts", "orders", "payments", "simulated_provider"])),
        ("identity-key", own(&["identity"])),
        ("back-key", own(&["notifications", "fulfilment"])),
        ("views-key", own(&["reports", "tracking"])),
    ];
    for (key, tables) in expected {
        let got = touched.get(key).cloned().unwrap_or_default();
        let beyond: Vec<_> = got.difference(&tables).collect();
        assert!(beyond.is_empty(), "{key} touched {beyond:?}, beyond its own {tables:?}");
        assert!(!got.is_empty(), "{key} touched no table at all: {touched:?}");
    }
}
