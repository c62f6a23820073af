//! Services are autonomous on AWS: run as four processes (the shop's
//! services; identity; notifications and fulfilment; the reports and
//! tracking views with invoices), each with its own access key, every AWS call goes
//! through a proxy in front of moto that logs which key touched which
//! table. Each process touches only its own services' tables (and the
//! platform's fault log); a process without identity learns who is calling
//! from identity's API, and the front serves every page, reaching identity,
//! fulfilment, reports, tracking and invoices through their APIs.
#![cfg(feature = "aws")]

use crate::harness::{ADMIN, DISPATCHER, Shopper, Store, aws_process_with, aws_staff, infra_apply};
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

async fn signed_in_at<'a>(front: &'a Store, email: &str, password: &str) -> Shopper<'a> {
    let mut someone = front.shopper();
    let form = format!("email={}&password={}", email.replace('@', "%40"), password.replace(' ', "+"));
    let answer = someone.rpc("POST", "/rpc/account/sign-in", &form).await;
    assert_eq!(answer.status, 200, "signing in at the front, through identity's API: {}", answer.body);
    someone
}

/// The order page's parts at the front: the timeline from tracking's API,
/// the invoice from invoices'; only the shipment, which fulfilment shows
/// dispatchers alone, is missing.
async fn order_page_at_the_front(ann: &mut Shopper<'_>, id: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let details = ann.call("GET", &format!("/api/orders/{id}/details"), None).await;
        assert_eq!(details.status, 200, "{}", details.body);
        assert_eq!(details.body["partial"], serde_json::json!(["shipment"]), "{}", details.body);
        let timeline = details.body["timeline"]["entries"].as_array().is_some_and(|e| !e.is_empty());
        if timeline && details.body["invoice"]["number"].is_string() {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the timeline or the invoice never came: {}", details.body);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Signing in, the dispatch pages and the report, at the front: each reaches
/// its service's API in the process that runs it (the front opens none of
/// their tables, as the matrix below checks).
async fn pages_at_the_front(front: &Store, email: &str, order: &Value) {
    let (id, number) = (order["id"].as_str().unwrap(), order["number"].as_str().unwrap());
    let mut ann = signed_in_at(front, email, "long enough pw").await;
    let mine = ann.call("GET", "/api/orders", None).await;
    assert!(mine.body.to_string().contains(id), "Ann's session from the front's sign-in: {}", mine.body);

    let mut dora = signed_in_at(front, DISPATCHER.0, DISPATCHER.1).await;
    let queue = dora.call("GET", "/dispatch", None).await;
    assert!(queue.body.as_str().unwrap().contains(number), "the dispatch page lists {number}: {}", queue.body);
    let shipping = dora.rpc("GET", "/rpc/dispatch/order", &format!("id=so-{id}")).await;
    assert_eq!(shipping.status, 200, "{}", shipping.body);
    let version = &shipping.body["version"];
    let form = format!("id=so-{id}&lines[0]=KIT-001&carrier=UPS&tracking_number=1Z999&expected_version={version}");
    let processed = dora.rpc("POST", "/rpc/dispatch/process", &form).await;
    assert_eq!(processed.body["status"], "processed", "{}", processed.body);
    ann.order_until(id, "processed", |o| o["status"] == "processed").await;

    let mut ada = signed_in_at(front, ADMIN.0, ADMIN.1).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let report = ada.rpc("GET", "/rpc/reports/completed-orders", "months=1").await;
        assert_eq!(report.status, 200, "{}", report.body);
        if report.body["months"][0]["totals"][0]["order_count"] == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the report never counted the order: {}", report.body);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let page = ada.call("GET", "/reports/completed-orders", None).await;
    assert_eq!(page.status, 200, "{}", page.body);

    let form = "current_password=long+enough+pw&new_password=a+brand+new+pw";
    let changed = ann.rpc("POST", "/rpc/account/password", form).await;
    assert_eq!(changed.status, 200, "changing the password at the front, through identity's API: {}", changed.body);
    signed_in_at(front, email, "a brand new pw").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_process_touches_only_the_tables_of_its_services() {
    let prefix = format!("own-{}-", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    infra_apply(&prefix);
    let (proxy, touched) = logging_proxy().await;
    aws_staff(&prefix, DISPATCHER, "Dora", "dispatcher");
    aws_staff(&prefix, ADMIN, "Ada", "admin");
    let process = |services: &'static str, key: &'static str, urls: Vec<String>| {
        let proxy = proxy.clone();
        let prefix = prefix.clone();
        async move {
            aws_process_with(&prefix, 1800, move |cmd| {
                cmd.args(["--services", services]).env("AWS_ENDPOINT_URL", &proxy).env("AWS_ACCESS_KEY_ID", key);
                cmd.args(urls);
            })
            .await
        }
    };
    let identity = process("identity", "identity-key", vec![]).await;
    let at_identity = vec!["--identity-url".to_string(), identity.base.clone()];
    let back = process("notifications,fulfilment", "back-key", at_identity.clone()).await;
    let views = process("reports,tracking,invoices", "views-key", at_identity.clone()).await;
    let elsewhere = [
        ("--fulfilment-url", &back.base),
        ("--reports-url", &views.base),
        ("--tracking-url", &views.base),
        ("--invoices-url", &views.base),
    ];
    let elsewhere: Vec<String> =
        elsewhere.into_iter().flat_map(|(flag, url)| [flag.to_string(), url.clone()]).collect();
    let front = process("catalog,cart,orders,payments", "front-key", [at_identity, elsewhere].concat()).await;

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
    order_page_at_the_front(&mut ann, &id).await;
    pages_at_the_front(&front, &format!("own-{tag}%40example.com"), &done).await;

    let touched = touched.lock().unwrap().clone();
    // Besides its services' tables, a process may use the platform's fault
    // log (`hub`: events a consumer dead-lettered, for `tbs faults`).
    let own = |names: &[&str]| names.iter().chain(&["hub"]).map(|n| format!("{prefix}{n}")).collect::<BTreeSet<_>>();
    let expected = [
        ("front-key", own(&["catalog", "carts", "orders", "payments", "simulated_provider"])),
        ("identity-key", own(&["identity"])),
        ("back-key", own(&["notifications", "fulfilment"])),
        ("views-key", own(&["reports", "tracking", "invoices"])),
    ];
    for (key, tables) in expected {
        let got = touched.get(key).cloned().unwrap_or_default();
        let beyond: Vec<_> = got.difference(&tables).collect();
        assert!(beyond.is_empty(), "{key} touched {beyond:?}, beyond its own {tables:?}");
        assert!(!got.is_empty(), "{key} touched no table at all: {touched:?}");
    }
}
