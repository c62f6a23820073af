//! The store a bench runs against, on a fresh embedded data directory with
//! a real listener and its workers, and what its shoppers send: shared by
//! the checkout bench and the instruction counts' workloads.

use serde_json::{Value, json};
use server::catalog::Catalog;
use server::config::Settings;
use server::platform::store::{Condition, EmbeddedStore, Key, Store};
use server::startup::{app, build};

/// Seeds the demo catalog with enough stock for every order of the run.
async fn seed(dir: &std::path::Path) {
    let store = EmbeddedStore::open(dir).unwrap();
    let catalog = Catalog::open(&store).await.unwrap();
    catalog.seed_demo().await.unwrap();
    let table = store.open_table(&server::catalog::table_spec()).await.unwrap();
    let mut item = table.get(&Key::new("PRODUCT", "KIT-004")).await.unwrap().unwrap();
    item.attrs["stock"] = json!(1_000_000);
    let version = item.version;
    table.put(item, Condition::Version(version)).await.unwrap();
}

/// The store on a fresh embedded data directory in `dir`, serving on a
/// loopback port; its base URL, and its workers (running while kept).
pub async fn serve_store(dir: &std::path::Path) -> (String, server::workers::Running) {
    let data_dir = dir.join("db");
    seed(&data_dir).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let settings =
        Settings { data_dir, public_url: Some(base.clone()), log_level: "warn".into(), ..Settings::default() };
    let (state, workers) = build(&settings).await.unwrap();
    let running = workers.spawn();
    tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    (base, running)
}

/// An order's checkout details.
pub fn checkout_details() -> Value {
    json!({ "email": "bench@example.com", "shipping_address": {
        "name": "Bench", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US" } })
}

/// A card the simulated provider accepts.
pub fn card() -> Value {
    json!({ "card": { "number": "4242424242424242", "expiry": "12/34", "cvc": "123" } })
}
