//! A shopper talking to whichever `tbs` process is up now.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub struct Shopper {
    client: reqwest::Client,
}

impl Shopper {
    pub fn new() -> Self {
        Self { client: reqwest::Client::builder().cookie_store(true).build().unwrap() }
    }

    /// Another handle on the same shopper (the same cookies).
    pub fn new_sharing(other: &Shopper) -> Self {
        Self { client: other.client.clone() }
    }

    pub async fn call(&self, base: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.client.request(method.parse().unwrap(), format!("{base}{path}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = match request.send().await {
            Ok(response) => response,
            // The store was killed under this request.
            Err(e) => return (0, Value::String(e.to_string())),
        };
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// An order of one KIT-001 with its stock set aside, ready to pay.
    pub async fn reserved_order(&self, base: &str) -> String {
        let (status, body) = self.call(base, "PUT", "/api/cart/items/KIT-001", Some(json!({ "quantity": 1 }))).await;
        assert_eq!(status, 200, "{body}");
        let id = uuid::Uuid::new_v4().to_string();
        let (status, body) = self.call(base, "PUT", &format!("/api/orders/{id}"), Some(checkout())).await;
        assert_eq!(status, 201, "{body}");
        self.order_until(base, &id, "stock reserved", |o| o["stock_reserved"] == true).await;
        id
    }

    pub async fn pay(&self, base: &str, order_id: &str) -> (u16, Value) {
        let card = json!({ "card": { "number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123" } });
        self.call(base, "POST", &format!("/api/orders/{order_id}/payment"), Some(card)).await
    }

    /// Polls the order until `done` holds (60 s at most).
    pub async fn order_until(&self, base: &str, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, order) = self.call(base, "GET", &format!("/api/orders/{id}"), None).await;
            if status == 200 && done(&order) {
                return order;
            }
            assert!(Instant::now() < deadline, "order {id} never reached '{what}': {order}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn checkout() -> Value {
    json!({
        "email": "ann@example.com",
        "shipping_address": {
            "name": "Ann Shopper", "line1": "1 Main Street", "line2": "",
            "city": "Springfield", "postal_code": "12345", "country": "us"
        }
    })
}
