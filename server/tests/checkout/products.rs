//! Store administration of products: an administrator creates a product
//! (each bad field named), stocks it, and shoppers find and buy it; a new
//! price reaches new carts while the order placed before keeps what was
//! paid; a stale edit is refused; an archived product leaves the shop and
//! the carts that held it; only administrators may do any of it; the admin
//! page's form reaches the same rules.

use crate::harness::{ADMIN, Shopper, Store, new_order_id};
use serde_json::{Value, json};

on_both_backends!(an_administrator_creates_prices_and_archives_a_product, payment_timeout_secs = 1800);

const PATH: &str = "/api/catalog/admin/products/GAR-900";

fn lantern(price_minor: i64, expected_version: Option<u64>, archived: bool) -> Value {
    json!({
        "name": "Solar Lantern",
        "description": "Charges by day, glows by night.",
        "price_minor": price_minor,
        "category": "garden",
        "fulfilment": "physical",
        "archived": archived,
        "expected_version": expected_version,
    })
}

fn refusal(a: &crate::harness::Answer) -> (u16, Option<&str>, Option<&str>) {
    (a.status, a.body["error"]["code"].as_str(), a.body["error"]["field"].as_str())
}

async fn an_administrator_creates_prices_and_archives_a_product(store: Store) {
    let mut ada = store.shopper();
    ada.sign_in(ADMIN).await;
    let bad_price = ada.call("PUT", PATH, Some(lantern(0, None, false))).await;
    assert_eq!(refusal(&bad_price).2, Some("price_minor"), "{}", bad_price.body);
    let mut unknown = lantern(1000, None, false);
    unknown["category"] = json!("toys");
    assert_eq!(refusal(&ada.call("PUT", PATH, Some(unknown)).await), (400, Some("invalid_category"), Some("category")));

    let created = ada.call("PUT", PATH, Some(lantern(2500, None, false))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!((created.body["stock"].as_u64(), created.body["version"].as_u64()), (Some(0), Some(1)));
    assert_eq!(refusal(&ada.call("PUT", PATH, Some(lantern(2500, None, false))).await).1, Some("product_exists"));
    let stocked = json!({ "reason": "received", "change": 5 });
    let adjust = "/api/catalog/products/GAR-900/stock-adjustments/gar-900-in";
    assert_eq!(ada.call("PUT", adjust, Some(stocked)).await.status, 201);

    let mut ann = store.shopper();
    let found = ann.call("GET", "/api/catalog/products?q=solar%20lantern", None).await;
    assert_eq!(found.body["items"][0]["sku"], "GAR-900", "{}", found.body);
    let order_id = bought(&mut ann).await;

    let dearer = ada.call("PUT", PATH, Some(lantern(3000, Some(1), false))).await;
    assert_eq!((dearer.status, dearer.body["version"].as_u64()), (200, Some(2)), "{}", dearer.body);
    assert_eq!(refusal(&ada.call("PUT", PATH, Some(lantern(100, Some(1), false))).await).1, Some("version_conflict"));
    let mut bea = store.shopper();
    bea.add("GAR-900", 1).await;
    assert_eq!(cart_line(&mut bea).await["unit_price"]["amount_minor"], 3000, "new carts pay the new price");
    let paid = &ann.order(&order_id).await["lines"][0];
    assert_eq!(paid["unit_price_minor"], 2500, "the order keeps what was paid");

    let archived = ada.call("PUT", PATH, Some(lantern(3000, Some(2), true))).await;
    assert_eq!((archived.status, archived.body["archived"].as_bool()), (200, Some(true)), "{}", archived.body);
    gone_from_the_shop(&store, &mut bea).await;
    let listed = ada.call("GET", "/api/catalog/admin/products?q=solar+lantern", None).await;
    let items = listed.body["items"].as_array().unwrap();
    assert!(items.iter().any(|p| p["sku"] == "GAR-900" && p["archived"] == true), "{}", listed.body);
    only_administrators(&store).await;
    through_the_form(&mut ada).await;
}

/// The admin page's form: the price as typed, a refusal naming its field by label.
async fn through_the_form(ada: &mut Shopper<'_>) {
    let form = |price: &str| {
        format!("sku=gar-901&name=Rain+Gauge&description=&price={price}&category=garden&fulfilment=physical&image=")
    };
    let refused = ada.rpc("POST", "/rpc/products/save", &form("12%2C50")).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.to_string().contains("Price: enter a price like 12.50"), "{}", refused.body);
    let saved = ada.rpc("POST", "/rpc/products/save", &form("12.50")).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(
        (saved.body["sku"].as_str(), saved.body["price"]["amount_minor"].as_i64()),
        (Some("GAR-901"), Some(1250))
    );
    let listed = ada.rpc("GET", "/rpc/products/list", "q=rain+gauge").await;
    assert!(listed.body["items"].as_array().unwrap().iter().any(|p| p["sku"] == "GAR-901"), "{}", listed.body);
    pages_of_products(ada).await;
}

/// Every product, archived ones too, a page at a time: each once, in SKU order.
async fn pages_of_products(ada: &mut Shopper<'_>) {
    let (mut seen, mut cursor) = (Vec::<String>::new(), None::<String>);
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/api/catalog/admin/products?limit=7&cursor={c}"),
            None => "/api/catalog/admin/products?limit=7".into(),
        };
        let page = ada.call("GET", &path, None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(page.body["items"].as_array().unwrap().iter().map(|p| p["sku"].as_str().unwrap().to_string()));
        cursor = page.body["next_cursor"].as_str().map(String::from);
        if cursor.is_none() {
            break;
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "each once, in SKU order");
    assert!(seen.contains(&"GAR-900".to_string()), "the archived one too: {seen:?}");
    let bad = ada.call("GET", "/api/catalog/admin/products?limit=500", None).await;
    assert_eq!(refusal(&bad).2, Some("limit"));
}

/// Ann buys one lantern; the order's id.
async fn bought(ann: &mut Shopper<'_>) -> String {
    ann.add("GAR-900", 1).await;
    let id = new_order_id();
    let placed = ann.place(&id).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    ann.order_until(&id, "its stock reserved", |o| o["stock_reserved"] == true).await;
    id
}

async fn cart_line(shopper: &mut Shopper<'_>) -> Value {
    let cart = shopper.call("GET", "/api/cart", None).await;
    cart.body["lines"].as_array().unwrap().iter().find(|l| l["sku"] == "GAR-900").cloned().expect("in the cart")
}

/// No product page, no search hit, a cart line that cannot be bought, no order.
async fn gone_from_the_shop(store: &Store, bea: &mut Shopper<'_>) {
    assert_eq!(bea.call("GET", "/api/catalog/products/GAR-900", None).await.status, 404);
    let found = bea.call("GET", "/api/catalog/products?q=solar%20lantern", None).await;
    assert_eq!(found.body["items"], json!([]), "{}", found.body);
    assert_eq!(cart_line(bea).await["problem"], "No longer sold");
    assert_eq!(refusal(&bea.place(&new_order_id()).await).1, Some("product_unavailable"));
    let mut cal = store.shopper();
    let added = cal.call("PUT", "/api/cart/items/GAR-900", Some(json!({ "quantity": 1 }))).await;
    assert_eq!(added.status, 404, "{}", added.body);
}

async fn only_administrators(store: &Store) {
    let mut sam = store.shopper();
    sam.register(format!("sam-{}@example.com", uuid::Uuid::new_v4().simple()), "Sam").await;
    assert_eq!(sam.call("PUT", PATH, Some(lantern(100, Some(3), false))).await.status, 403);
    assert_eq!(sam.call("GET", "/api/catalog/admin/products", None).await.status, 403);
    assert_eq!(store.shopper().call("GET", "/api/catalog/admin/products", None).await.status, 401);
}
