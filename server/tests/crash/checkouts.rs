//! Concurrent checkouts while the store is killed with SIGKILL several times
//! and started again on the same data. Afterwards: every accepted payment
//! ended confirmed or declined, each confirmed order has one receipt and one
//! shipping order, stock is conserved, and the report's month is the
//! confirmed orders' net total.

use crate::process::Tbs;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

const SHOPPERS: usize = 16;
const KILLS: usize = 3;
const SKUS: [&str; 3] = ["KIT-001", "KIT-002", "GAR-001"];
const GOOD_CARD: &str = "4242 4242 4242 4242";
const DECLINED_CARD: &str = "4000 0000 0000 0002";
const ADMIN: (&str, &str) = ("crash-admin@example.com", "admin password 1");

/// A shopper's order: its id, lines (sku, quantity) and whether its card pays.
type Checkout = (String, Vec<(String, u64)>, bool);

/// Where the store answers now (it moves to a new port at each restart).
type Base = Arc<RwLock<String>>;

/// Repeats `step` against the current store until it gives an answer `done` accepts.
async fn until<T>(base: &Base, what: &str, step: impl AsyncFn(&str) -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let url = base.read().unwrap().clone();
        if let Some(done) = step(&url).await {
            STEPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return done;
        }
        assert!(Instant::now() < deadline, "{what}: no answer in 120 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checkout steps done (added, placed, reserved, paid, settled), across shoppers.
static STEPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
const STEPS_PER_SHOPPER: usize = 5;

/// Requests cut off by a kill (or sent while the store was down).
static CUT_OFF: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

async fn send(request: reqwest::RequestBuilder) -> Option<(u16, Value)> {
    let Ok(reply) = request.timeout(Duration::from_secs(10)).send().await else {
        CUT_OFF.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return None;
    };
    let status = reply.status().as_u16();
    Some((status, reply.json().await.unwrap_or(Value::Null)))
}

/// One shopper's checkout, retried through every crash. Returns the order
/// id, its lines and whether its card is one that pays.
async fn checkout(base: Base, n: usize) -> Checkout {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let lines: Vec<(String, u64)> = vec![(SKUS[n % 3].to_string(), 1 + (n % 2) as u64)];
    for (sku, quantity) in &lines {
        let put = |b: &str| client.put(format!("{b}/api/cart/items/{sku}")).json(&json!({ "quantity": quantity }));
        until(&base, "add to cart", async |b| send(put(b)).await.filter(|(s, _)| *s == 200)).await;
    }
    let id = uuid::Uuid::new_v4().to_string();
    let order = json!({ "email": format!("crash{n}@example.com"), "shipping_address": {
        "name": "C", "line1": "1 St", "city": "Bath", "postal_code": "BA1", "country": "GB" } });
    let place = |b: &str| client.put(format!("{b}/api/orders/{id}")).json(&order);
    until(&base, "place", async |b| send(place(b)).await.filter(|(s, _)| matches!(s, 200 | 201))).await;
    let get = |b: &str| client.get(format!("{b}/api/orders/{id}"));
    until(&base, "reserve", async |b| send(get(b)).await.filter(|(_, o)| o["stock_reserved"] == true)).await;
    let good = n % 4 != 3;
    let card =
        json!({ "card": { "number": if good { GOOD_CARD } else { DECLINED_CARD }, "expiry": "12/34", "cvc": "123" } });
    let pay = |b: &str| client.post(format!("{b}/api/orders/{id}/payment")).json(&card);
    let settled = |o: &Value| {
        o["status"] == "confirmed"
            || (o["payment_error"].is_string() && !o["payment_in_progress"].as_bool().unwrap_or(true))
    };
    // A payment a crash cut off before the provider took it fails with
    // nothing charged: the shopper pays again, as they would.
    let last = loop {
        until(&base, "pay", async |b| {
            let (status, body) = send(pay(b)).await?;
            let code = body["error"]["code"].as_str().unwrap_or_default();
            // Accepted now, or by an attempt before a crash (paid, or still being settled).
            (status == 202 || code == "order_paid" || code == "payment_in_progress").then_some(())
        })
        .await;
        let last = until(&base, "settle", async |b| send(get(b)).await.map(|(_, o)| o).filter(settled)).await;
        if last["payment_error"].as_str().is_some_and(|e| e.contains("nothing was charged")) {
            continue;
        }
        break last;
    };
    assert_eq!(last["status"] == "confirmed", good, "order {id} ended {last}");
    if !good {
        assert_eq!(last["payment_error"], "Your card was declined.", "{last}");
    }
    (id, lines, good)
}

fn create_admin(data: &Path) {
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_tbs"))
        .args(["users", "create", "--data-dir", data.to_str().unwrap(), "--email", ADMIN.0, "--name", "Ada"])
        .args(["--role", "admin"])
        .env("TBS_NEW_USER_PASSWORD", ADMIN.1)
        .env_remove("TBS_DATA_DIR")
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
}

async fn stock(base: &str) -> HashMap<String, u64> {
    let mut stock = HashMap::new();
    for sku in SKUS {
        let product: Value =
            reqwest::get(format!("{base}/api/catalog/products/{sku}")).await.unwrap().json().await.unwrap();
        stock.insert(sku.to_string(), product["stock"].as_u64().unwrap());
    }
    stock
}

/// Restarts the store `KILLS` times while the shoppers shop: once a
/// quarter, half and three quarters of all checkout steps are done.
async fn kill_and_restart(mut tbs: Tbs, data: &Path, base: &Base) -> Tbs {
    let all = SHOPPERS * STEPS_PER_SHOPPER;
    for k in 1..=KILLS {
        let deadline = Instant::now() + Duration::from_secs(120);
        while STEPS.load(std::sync::atomic::Ordering::Relaxed) < all * k / (KILLS + 1) {
            assert!(Instant::now() < deadline, "the shoppers stopped making progress");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tbs.kill();
        tbs = Tbs::spawn(data, &[]);
        tbs.ready(Duration::from_secs(60)).await;
        *base.write().unwrap() = tbs.base();
    }
    tbs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn checkouts_survive_repeated_kills_with_nothing_lost_or_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    create_admin(&data);
    let mut tbs = Tbs::spawn(&data, &[]);
    tbs.ready(Duration::from_secs(60)).await;
    let base: Base = Arc::new(RwLock::new(tbs.base()));
    let before = stock(&tbs.base()).await;

    let shopping = futures_util::future::join_all((0..SHOPPERS).map(|n| checkout(base.clone(), n)));
    let (orders, tbs) = tokio::join!(shopping, kill_and_restart(tbs, &data, &base));
    let cut_off = CUT_OFF.load(std::sync::atomic::Ordering::Relaxed);
    assert!(cut_off >= KILLS, "the kills struck while shoppers were shopping ({cut_off} requests cut off)");

    let admin = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let signed_in = admin.post(format!("{}/api/account/sign-in", tbs.base()));
    let signed_in = signed_in.json(&json!({ "email": ADMIN.0, "password": ADMIN.1 })).send().await.unwrap();
    assert_eq!(signed_in.status(), 200);
    let confirmed: Vec<&Checkout> = orders.iter().filter(|(_, _, good)| *good).collect();
    let numbers = once_each_received_and_shipped(&admin, &base, &data, &confirmed).await;
    let after = stock(&tbs.base()).await;
    for sku in SKUS {
        let held: u64 = orders.iter().flat_map(|(_, lines, _)| lines).filter(|(s, _)| s == sku).map(|(_, q)| q).sum();
        // Every order still holds what it reserved (declined ones until their deadline).
        assert_eq!(after[sku], before[sku] - held, "{sku}: stock conserved");
    }
    report_is_the_confirmed_net_total(&admin, &base, &numbers).await;
}

/// Each confirmed order has one receipt and one shipping order (waiting for
/// consumers to catch up); returns each one's net total by id.
async fn once_each_received_and_shipped(
    admin: &reqwest::Client,
    base: &Base,
    data: &Path,
    confirmed: &[&Checkout],
) -> HashMap<String, i64> {
    let mut net = HashMap::new();
    let mut receipts_of = Vec::new();
    for (id, _, _) in confirmed {
        let order = until(base, "receipt and shipping order", async |b| {
            let (_, o) = send(admin.get(format!("{b}/api/orders/{id}"))).await?;
            (o["receipt_sent"] == true && o["shipping_status"].is_string()).then_some(o)
        })
        .await;
        net.insert(id.clone(), order["totals"]["net_minor"].as_i64().unwrap());
        receipts_of.push((id.clone(), order["number"].as_str().unwrap().to_string()));
    }
    let receipts: Vec<String> = std::fs::read_dir(data.join("mail"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert_eq!(receipts.len(), confirmed.len(), "one receipt per confirmed order, none for declined ones");
    for (id, number) in &receipts_of {
        let line = format!("Order number: {number}\r\n");
        let sent = receipts.iter().filter(|r| r.contains(&line)).count();
        assert_eq!(sent, 1, "order {id} ({number}) got {sent} receipts");
    }
    let b = base.read().unwrap().clone();
    let queue = admin.get(format!("{b}/api/fulfilment/shipping-orders?status=pending&limit=100")).send().await;
    let queue: Value = queue.unwrap().json().await.unwrap();
    let mut shipping: HashMap<String, usize> = HashMap::new();
    for so in queue["items"].as_array().unwrap() {
        *shipping.entry(so["order_id"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert!(confirmed.iter().all(|(id, _, _)| shipping.get(id) == Some(&1)), "one shipping order each: {shipping:?}");
    assert_eq!(shipping.len(), confirmed.len(), "no shipping order for a declined order");
    net
}

/// The report's month is the confirmed orders' net total, each counted once.
async fn report_is_the_confirmed_net_total(admin: &reqwest::Client, base: &Base, net: &HashMap<String, i64>) {
    let month = until(base, "report", async |b| {
        let (_, r) = send(admin.get(format!("{b}/api/reports/completed-orders?months=1"))).await?;
        let month = r["months"][0]["totals"].as_array()?.iter().find(|t| t["currency"] == "USD")?.clone();
        (month["order_count"].as_u64() == Some(net.len() as u64)).then_some(month)
    })
    .await;
    assert_eq!(month["net_total_minor"].as_i64(), Some(net.values().sum()), "{month}");
}
