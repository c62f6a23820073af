//! A running store reached over HTTP, on either backend, and a shopper with a cookie jar.

use serde_json::{Value, json};
use server::config::Settings;
use server::startup::{AppState, app, build};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub const WEBHOOK_SECRET: &str = "whsec_test_0123456789";
/// The signing secret every `tbs` process of one store shares (the AWS
/// backend generates none).
#[cfg(feature = "aws")]
const SHARED_SECRET: &str = "test secret shared by the processes of one store";

/// The dispatcher every test store has: e-mail and password.
pub const DISPATCHER: (&str, &str) = ("dora.dispatch@example.com", "dispatcher password");
/// The administrator every test store has: e-mail and password.
pub const ADMIN: (&str, &str) = ("ada.admin@example.com", "admin password");

pub struct Store {
    pub base: String,
    pub data_dir: PathBuf,
    /// In-process stores only: the services, for looking behind the API.
    pub state: Option<AppState>,
    stop: Option<Box<dyn FnOnce() + Send>>,
    _dir: tempfile::TempDir,
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

fn test_settings(dir: &std::path::Path, payment_timeout_secs: u64) -> Settings {
    Settings {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.join("data"),
        stripe_webhook_secret: Some(WEBHOOK_SECRET.into()),
        payment_timeout_secs,
        ..Settings::default()
    }
}

/// The embedded store in this process. With `start_workers` false, nothing
/// reacts to events until [`Paused::resume`].
pub async fn embedded(payment_timeout_secs: u64) -> Store {
    let (store, paused) = embedded_paused(payment_timeout_secs).await;
    paused.resume();
    store
}

pub struct Paused(server::workers::Workers, tokio::sync::oneshot::Sender<server::workers::Running>);

impl Paused {
    pub fn resume(self) {
        let _ = self.1.send(self.0.spawn());
    }
}

pub async fn embedded_paused(payment_timeout_secs: u64) -> (Store, Paused) {
    embedded_paused_with(|s| s.payment_timeout_secs = payment_timeout_secs).await
}

/// The embedded store in this process, with settings adjusted by `configure`.
pub async fn embedded_with(configure: impl FnOnce(&mut Settings)) -> Store {
    let (store, paused) = embedded_paused_with(configure).await;
    paused.resume();
    store
}

pub async fn embedded_paused_with(configure: impl FnOnce(&mut Settings)) -> (Store, Paused) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path(), 1800);
    configure(&mut settings);
    let listener = tokio::net::TcpListener::bind(settings.addr).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    settings.public_url = Some(base.clone());
    let (state, workers) = build(&settings).await.unwrap();
    state
        .port::<std::sync::Arc<server::identity::Identity>>()
        .create_user(DISPATCHER.0, "Dora", DISPATCHER.1, &[app::account::Role::Dispatcher])
        .await
        .unwrap();
    state
        .port::<std::sync::Arc<server::identity::Identity>>()
        .create_user(ADMIN.0, "Ada", ADMIN.1, &[app::account::Role::Admin])
        .await
        .unwrap();
    let router = app(state.clone());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (running_tx, running_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).with_graceful_shutdown(async { drop(stop_rx.await) }).await;
        if let Ok(running) = running_rx.await {
            server::workers::Running::stop(running).await;
        }
    });
    let store = Store {
        base,
        data_dir: settings.data_dir.clone(),
        state: Some(state),
        stop: Some(Box::new(move || {
            let _ = stop_tx.send(());
        })),
        _dir: dir,
    };
    (store, Paused(workers, running_tx))
}

/// `tbs serve --backend aws` on moto (after `tbs infra apply`), as a process.
#[cfg(feature = "aws")]
pub async fn aws(payment_timeout_secs: u64) -> Store {
    let prefix = aws_store_with_dispatcher();
    aws_process(&prefix, payment_timeout_secs, None).await
}

/// Two `tbs serve --backend aws` processes of one store, each running every service.
#[cfg(feature = "aws")]
pub async fn aws_pair(payment_timeout_secs: u64) -> (Store, Store) {
    let prefix = aws_store_with_dispatcher();
    (aws_process(&prefix, payment_timeout_secs, None).await, aws_process(&prefix, payment_timeout_secs, None).await)
}

/// A fresh store's infrastructure on moto with the dispatcher's and the administrator's accounts; its prefix.
#[cfg(feature = "aws")]
fn aws_store_with_dispatcher() -> String {
    let prefix = format!("co-{}-", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    infra_apply(&prefix);
    aws_staff(&prefix, DISPATCHER, "Dora", "dispatcher");
    aws_staff(&prefix, ADMIN, "Ada", "admin");
    prefix
}

/// `tbs users create` on moto: a staff account with `role`.
#[cfg(feature = "aws")]
pub fn aws_staff(prefix: &str, (email, password): (&str, &str), name: &str, role: &str) {
    let made = tbs_on_moto(prefix, &["users", "create", "--backend", "aws", "--email", email])
        .args(["--name", name, "--role", role])
        .env("TBS_NEW_USER_PASSWORD", password)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
}

#[cfg(feature = "aws")]
fn tbs_on_moto(prefix: &str, args: &[&str]) -> std::process::Command {
    let moto = std::env::var("TBS_TEST_AWS_ENDPOINT")
        .expect("TBS_TEST_AWS_ENDPOINT is not set: run these tests with `cargo xtask test`, which starts moto");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tbs"));
    cmd.args(args)
        .args(["--aws-prefix", prefix])
        .env("AWS_ENDPOINT_URL", &moto)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("TBS_SECRET", SHARED_SECRET)
        .env_remove("AWS_PROFILE")
        .env_remove("TBS_DATA_DIR");
    cmd
}

/// `tbs infra apply` for a fresh prefix.
#[cfg(feature = "aws")]
pub fn infra_apply(prefix: &str) {
    let applied = tbs_on_moto(prefix, &["infra", "apply"]).output().unwrap();
    assert!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stderr));
}

/// `tbs serve --backend aws` with the given `--services` (all when `None`).
#[cfg(feature = "aws")]
pub async fn aws_process(prefix: &str, payment_timeout_secs: u64, services: Option<&str>) -> Store {
    aws_process_with(prefix, payment_timeout_secs, |cmd| {
        if let Some(services) = services {
            cmd.args(["--services", services]);
        }
    })
    .await
}

/// `tbs serve --backend aws`, its command line and environment given the last word by `configure`.
#[cfg(feature = "aws")]
pub async fn aws_process_with(
    prefix: &str,
    payment_timeout_secs: u64,
    configure: impl FnOnce(&mut std::process::Command),
) -> Store {
    let dir = tempfile::tempdir().unwrap();
    let tbs = |args: &[&str]| {
        let mut cmd = tbs_on_moto(prefix, args);
        configure(&mut cmd);
        cmd
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let data_dir = dir.path().join("data");
    let timeout = payment_timeout_secs.to_string();
    let child = tbs(&[
        "serve",
        "--backend",
        "aws",
        "--addr",
        &format!("127.0.0.1:{port}"),
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--site-root",
        "/nonexistent",
        "--stripe-webhook-secret",
        WEBHOOK_SECRET,
        "--payment-timeout-secs",
        &timeout,
        "--log-level",
        "warn",
    ])
    .spawn()
    .unwrap();
    let mut child = Some(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = client.get(format!("{base}/health/ready")).send().await.map(|r| r.status().as_u16()).unwrap_or(0);
        if ready == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "tbs did not become ready on the aws backend");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Store {
        base,
        data_dir,
        state: None,
        stop: Some(Box::new(move || {
            if let Some(mut c) = child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        })),
        _dir: dir,
    }
}

/// A shopper: an HTTP client that keeps the cart cookie.
pub struct Shopper<'a> {
    pub store: &'a Store,
    client: reqwest::Client,
    cookie: Option<String>,
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Store {
    pub fn shopper(&self) -> Shopper<'_> {
        Shopper { store: self, client: reqwest::Client::new(), cookie: None }
    }

    /// Receipt e-mails written to the mail directory.
    pub fn mails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.data_dir.join("mail")) else { return Vec::new() };
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .collect()
    }

    /// POSTs a webhook body as the provider would, signed with `secret`.
    pub async fn webhook(&self, body: &Value, secret: &str) -> Answer {
        let payload = body.to_string();
        let t = time::OffsetDateTime::now_utc().unix_timestamp();
        let response = reqwest::Client::new()
            .post(format!("{}/webhooks/stripe", self.base))
            .header("content-type", "application/json")
            .header("stripe-signature", server::payments::signature::sign(secret, payload.as_bytes(), t))
            .body(payload)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        Answer { status, body: response.json().await.unwrap_or(Value::Null) }
    }

    pub async fn stock(&self, sku: &str) -> u64 {
        let r = reqwest::get(format!("{}/api/catalog/products/{sku}", self.base)).await.unwrap();
        r.json::<Value>().await.unwrap()["stock"].as_u64().unwrap()
    }
}

impl Shopper<'_> {
    pub async fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.call_keyed(method, path, body, None).await
    }

    /// A call carrying an `Idempotency-Key` (as the app's outbox sends its changes).
    pub async fn call_keyed(&mut self, method: &str, path: &str, body: Option<Value>, key: Option<&str>) -> Answer {
        let mut request = self.client.request(method.parse().unwrap(), format!("{}{}", self.store.base, path));
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.read(request.send().await.unwrap()).await
    }

    /// A page's server function (`/rpc/…`), its arguments form-encoded as
    /// the page sends them: POST, or GET for those that read.
    pub async fn rpc(&mut self, method: &str, path: &str, form: &str) -> Answer {
        let mut request = match method {
            "GET" => self.client.get(format!("{}{path}?{form}", self.store.base)),
            _ => self.client.post(format!("{}{path}", self.store.base)).body(form.to_string()),
        };
        request = request.header("content-type", "application/x-www-form-urlencoded");
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        self.read(request.send().await.unwrap()).await
    }

    /// The answer, keeping the cookie it sets.
    async fn read(&mut self, response: reqwest::Response) -> Answer {
        if let Some(set) = response.headers().get("set-cookie") {
            self.cookie = Some(set.to_str().unwrap().split(';').next().unwrap().to_string());
        }
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
    }

    /// The cookie this shopper sends (cart or session).
    pub fn cookie(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    /// Sends `cookie` from now on (e.g. a session another process of the store opened).
    #[cfg(feature = "aws")]
    pub fn use_cookie(&mut self, cookie: &str) {
        self.cookie = Some(cookie.to_string());
    }

    /// Signs in (the session cookie replaces any cart cookie).
    pub async fn sign_in(&mut self, (email, password): (&str, &str)) {
        let a = self.call("POST", "/api/account/sign-in", Some(json!({ "email": email, "password": password }))).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }

    /// Registers a local account (and is signed in to it).
    pub async fn register(&mut self, email: impl AsRef<str>, name: &str) -> Answer {
        let account = json!({ "email": email.as_ref(), "name": name, "password": "long enough pw" });
        let a = self.call("POST", "/api/account/register", Some(account)).await;
        assert_eq!(a.status, 201, "{}", a.body);
        a
    }

    pub async fn add(&mut self, sku: &str, quantity: u32) {
        let a = self.call("PUT", &format!("/api/cart/items/{sku}"), Some(json!({ "quantity": quantity }))).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }

    pub async fn place(&mut self, order_id: &str) -> Answer {
        self.call("PUT", &format!("/api/orders/{order_id}"), Some(checkout())).await
    }

    pub async fn order(&mut self, order_id: &str) -> Value {
        let a = self.call("GET", &format!("/api/orders/{order_id}"), None).await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.body
    }

    /// `GET path` sending `If-None-Match: if_none_match`: the status and the answer's `ETag`.
    pub async fn get_unless(&mut self, path: &str, if_none_match: &str) -> (u16, String) {
        self.get_unless_within(path, if_none_match, 0).await
    }

    /// [`Self::get_unless`], asking to wait up to `wait_secs` for a change (`Prefer: wait`).
    pub async fn get_unless_within(&mut self, path: &str, if_none_match: &str, wait_secs: u64) -> (u16, String) {
        let mut request = self.client.get(format!("{}{path}", self.store.base)).header("if-none-match", if_none_match);
        if wait_secs > 0 {
            request = request.header("prefer", format!("wait={wait_secs}"));
        }
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        let tag = response.headers().get("etag").map_or("", |v| v.to_str().unwrap()).to_string();
        (response.status().as_u16(), tag)
    }

    /// Polls the order until `done` holds (20 s at most).
    pub async fn order_until(&mut self, order_id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let order = self.order(order_id).await;
            if done(&order) {
                return order;
            }
            assert!(Instant::now() < deadline, "order never got {what}: {order}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn pay(&mut self, order_id: &str, number: &str) -> Answer {
        let card = json!({ "card": { "number": number, "expiry": "12/34", "cvc": "123" } });
        self.call("POST", &format!("/api/orders/{order_id}/payment"), Some(card)).await
    }
}

pub fn checkout() -> Value {
    json!({
        "email": "ann@example.com",
        "shipping_address": {
            "name": "Ann Shopper", "line1": "1 Main Street", "line2": "",
            "city": "Springfield", "postal_code": "12345", "country": "us"
        }
    })
}

/// A mail's text with quoted-printable's soft line breaks and `=3D` undone,
/// so its links read whole.
pub fn unwrapped(mail: &str) -> String {
    mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
}

pub fn new_order_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A provider webhook about one payment.
pub fn intent_event(event_id: &str, kind: &str, payment_id: &str, order_id: &str, amount: i64) -> Value {
    json!({
        "id": event_id, "object": "event", "type": kind,
        "data": { "object": {
            "id": format!("pi_{event_id}"), "object": "payment_intent", "amount": amount, "currency": "usd",
            "metadata": { "payment_id": payment_id, "order_id": order_id },
            "last_payment_error": if kind.ends_with("failed") { json!({"message": "Your card was declined."}) } else { Value::Null }
        }}
    })
}
