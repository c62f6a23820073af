//! An account's orders: listed for "My orders", and forgotten when the
//! account is deleted (AccountDeleted): its orders keep what the
//! books need (lines, totals, country, dates) and lose who placed them and
//! where they went, and OrderAnonymised (with each, in one transaction)
//! tells the services that keep copies (tracking, notifications,
//! fulfilment) to forget them too. Anonymising is idempotent, so a
//! redelivered event does the same again harmlessly.

use super::Orders;
use super::record::{BY_ACCOUNT, OrderRecord, account_partition};
use crate::contracts::OrderAnonymised;
use crate::platform::events::Envelope;
use crate::platform::store::Query;
use app::orders::OrderView;

use crate::contracts::REDACTED;

/// The order without personal data, or `None` when it has none left.
pub fn anonymised(mut order: OrderRecord) -> Option<OrderRecord> {
    order.account_id.as_ref()?;
    order.account_id = None;
    order.email = REDACTED.into();
    order.shipping_address = order.shipping_address.redacted();
    order.request = String::new();
    Some(order)
}

impl Orders {
    /// The account's orders, newest first (up to `limit`).
    pub async fn orders_of(&self, account_id: &str, limit: usize) -> anyhow::Result<Vec<OrderView>> {
        let page = self
            .table
            .query(Query::partition(account_partition(account_id)).on_index(BY_ACCOUNT).reverse().limit(limit))
            .await?;
        page.items.iter().map(|item| Ok(item.record::<OrderRecord>()?.view())).collect()
    }

    /// Anonymises every order `account_id` placed. Returns how many.
    pub(crate) async fn forget_account(&self, account_id: &str) -> anyhow::Result<usize> {
        let mut forgotten = 0;
        loop {
            // Each anonymised order leaves the index, so the first page is always the next.
            let page = self
                .table
                .query(Query::partition(account_partition(account_id)).on_index(BY_ACCOUNT).limit(50))
                .await?;
            if page.items.is_empty() {
                return Ok(forgotten);
            }
            for item in page.items {
                let order: OrderRecord = item.record()?;
                let forget = |o: OrderRecord| {
                    Ok(anonymised(o).map(|o| {
                        let told = OrderAnonymised { order_id: o.id.clone() };
                        (o, vec![Envelope::new(super::SOURCE, &told, "", None)])
                    }))
                };
                if self.change(&order.id, forget).await? {
                    forgotten += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anonymised_order_keeps_the_books_and_loses_the_person() {
        let order: OrderRecord = serde_json::from_value(serde_json::json!({
            "id": "o1", "email": "dee@example.com",
            "shipping_address": { "name": "Dee", "line1": "1 Main St", "line2": "Flat 2", "city": "Springfield",
                                  "postal_code": "12345", "country": "US" },
            "currency": "USD", "lines": [{ "sku": "KIT-001", "name": "Mug", "quantity": 1, "unit_price_minor": 1450 }],
            "totals": { "net_minor": 1450, "shipping_minor": 495, "tax_minor": 116, "gross_minor": 2061 },
            "status": "confirmed", "stock": "reserved", "attempts": 1, "payment_in_progress": null,
            "payment_error": null, "paid_by": "p1", "cancel_reason": null, "receipt_sent": true,
            "shipping_status": null, "placed_at": "2026-11-22T10:00:00Z", "account_id": "a1",
            "pay_by": "2026-11-22T10:30:00Z", "request": "dee@example.com|Dee|1 Main St"
        }))
        .unwrap();
        let anon = anonymised(order.clone()).unwrap();
        let text = serde_json::to_string(&anon).unwrap();
        for personal in ["Dee", "dee@example.com", "Main St", "Flat 2", "Springfield", "12345", "a1"] {
            assert!(!text.contains(personal), "{personal} left in {text}");
        }
        assert_eq!(
            (anon.totals, anon.lines.clone(), anon.shipping_address.country.clone()),
            (order.totals, order.lines, "US".into())
        );
        assert!(anonymised(anon).is_none(), "nothing left to forget");
    }
}
