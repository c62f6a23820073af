//! A burst of concurrent cart writes and order placements, struck by SIGKILL
//! while requests are in flight. After a restart on the same data, every
//! write the store acknowledged is there: each cart holds its last
//! acknowledged quantity (or the one cut off in flight, which may or may not
//! have landed), and every order answered 201 exists. Concurrent writes share
//! one commit (group commit); none may be answered before that commit is on disk.

use crate::process::Tbs;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CART_WRITERS: usize = 24;
const PLACERS: usize = 8;
/// The kill strikes once this many writes have been acknowledged.
const ACKNOWLEDGED_BEFORE_KILL: usize = 300;
const SKUS: [&str; 3] = ["KIT-001", "KIT-002", "GAR-001"];
/// What the placers buy: a gift card, of which there is stock for every order
/// (the cart writers' products must keep stock for their quantities).
const PLACED_SKU: &str = "DIG-001";

static ACKNOWLEDGED: AtomicUsize = AtomicUsize::new(0);

/// What one client was told, and what it had in flight when the store died.
#[derive(Default)]
struct Told {
    /// (sku, quantity) last acknowledged, and the quantity cut off in flight.
    cart: Option<(String, u32, Option<u32>)>,
    /// Orders acknowledged with 201.
    orders: Vec<String>,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(20)).build().unwrap()
}

/// Sends until the store dies under it; `None` once a request is cut off.
async fn status(request: reqwest::RequestBuilder) -> Option<u16> {
    let reply = request.send().await.ok()?;
    let status = reply.status().as_u16();
    reply.bytes().await.ok()?;
    Some(status)
}

/// Sets the quantity of one product, 1 to 5 in turn, until the store dies.
async fn cart_writer(base: String, client: reqwest::Client, n: usize, stop: Arc<AtomicBool>) -> Told {
    let sku = SKUS[n % SKUS.len()].to_string();
    let mut told = Told::default();
    for i in 0.. {
        let quantity = (i % 5 + 1) as u32;
        let put = client.put(format!("{base}/api/cart/items/{sku}")).json(&json!({ "quantity": quantity }));
        match status(put).await {
            Some(200) => {
                ACKNOWLEDGED.fetch_add(1, Ordering::Relaxed);
                told.cart = Some((sku.clone(), quantity, None));
            }
            Some(other) => panic!("a cart write answered {other}"),
            None => {
                let last = told.cart.take().map_or(0, |(_, q, _)| q);
                told.cart = Some((sku.clone(), last, Some(quantity)));
                return told;
            }
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
    }
    told
}

/// Puts one product in the cart and places an order, again and again, until the store dies.
async fn placer(base: String, client: reqwest::Client, n: usize, stop: Arc<AtomicBool>) -> Told {
    let mut told = Told::default();
    let order = json!({ "email": format!("burst{n}@example.com"), "shipping_address": {
        "name": "B", "line1": "1 St", "city": "Bath", "postal_code": "BA1", "country": "GB" } });
    while !stop.load(Ordering::Relaxed) {
        let put = client.put(format!("{base}/api/cart/items/{PLACED_SKU}")).json(&json!({ "quantity": 1 }));
        let Some(200) = status(put).await else { return told };
        let id = uuid::Uuid::new_v4().to_string();
        match status(client.put(format!("{base}/api/orders/{id}")).json(&order)).await {
            Some(201) => {
                ACKNOWLEDGED.fetch_add(1, Ordering::Relaxed);
                told.orders.push(id);
            }
            Some(other) => panic!("placing an order answered {other}"),
            None => return told,
        }
    }
    told
}

async fn kill_when_busy(tbs: Tbs, stop: Arc<AtomicBool>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while ACKNOWLEDGED.load(Ordering::Relaxed) < ACKNOWLEDGED_BEFORE_KILL {
        assert!(Instant::now() < deadline, "the burst made no progress");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tbs.kill();
    stop.store(true, Ordering::Relaxed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_write_of_a_burst_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let no_limit = ["--rate-limit-writes=0"];
    let mut tbs = Tbs::spawn(&data, &no_limit);
    tbs.ready(Duration::from_secs(60)).await;
    let base = tbs.base();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<reqwest::Client> = (0..CART_WRITERS + PLACERS).map(|_| client()).collect();
    let writers = clients[..CART_WRITERS]
        .iter()
        .enumerate()
        .map(|(n, c)| tokio::spawn(cart_writer(base.clone(), c.clone(), n, stop.clone())));
    let placers = clients[CART_WRITERS..]
        .iter()
        .enumerate()
        .map(|(n, c)| tokio::spawn(placer(base.clone(), c.clone(), n, stop.clone())));
    let tasks: Vec<_> = writers.chain(placers).collect();
    kill_when_busy(tbs, stop).await;
    let mut told = Vec::new();
    for task in tasks {
        told.push(task.await.unwrap());
    }
    let cut_off = told.iter().filter(|t| t.cart.as_ref().is_some_and(|c| c.2.is_some())).count();
    assert!(cut_off > 0, "the kill struck while cart writes were in flight");

    let mut tbs = Tbs::spawn(&data, &no_limit);
    tbs.ready(Duration::from_secs(60)).await;
    let base = tbs.base();
    for (client, told) in clients.iter().zip(&told) {
        if let Some((sku, acknowledged, in_flight)) = &told.cart {
            the_cart_holds(client, &base, sku, *acknowledged, *in_flight).await;
        }
        for id in &told.orders {
            let order = client.get(format!("{base}/api/orders/{id}")).send().await.unwrap();
            assert_eq!(order.status(), 200, "acknowledged order {id} is there after the kill");
        }
    }
    let orders: usize = told.iter().map(|t| t.orders.len()).sum();
    assert!(orders > 0, "orders were placed before the kill");
    let after = clients[0].put(format!("{base}/api/cart/items/KIT-001")).json(&json!({ "quantity": 1 }));
    assert_eq!(status(after).await, Some(200), "the restarted store takes writes");
}

async fn the_cart_holds(client: &reqwest::Client, base: &str, sku: &str, acknowledged: u32, in_flight: Option<u32>) {
    let cart: Value = client.get(format!("{base}/api/cart")).send().await.unwrap().json().await.unwrap();
    let held = cart["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == sku)
        .map_or(0, |l| l["quantity"].as_u64().unwrap() as u32);
    assert!(
        held == acknowledged || Some(held) == in_flight,
        "{sku}: the cart holds {held}; acknowledged {acknowledged}, in flight {in_flight:?}"
    );
}
