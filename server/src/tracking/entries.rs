//! What each event the timeline is made of says on it: the entry's kind,
//! its title and its detail, in the words a shopper reads.

use super::{Incoming, privacy};
use crate::contracts::{ReturnRequested, ShipmentItemProcessed};
use app::tracking::TimelineEntry;
use time::format_description::well_known::Rfc3339;

/// The timeline entry an event makes (none for forgetting).
pub(super) fn describe(event: &Incoming, at: time::OffsetDateTime) -> Option<TimelineEntry> {
    let (kind, title, detail) = match event {
        Incoming::OrderPlaced(e) => {
            let items: u32 = e.lines.iter().map(|l| l.quantity).sum();
            ("placed", "Order placed", app::words::count(items, "item"))
        }
        Incoming::PaymentSucceeded(_) => ("payment_approved", "Payment approved", String::new()),
        Incoming::PaymentFailed(e) => ("payment_failed", "Payment declined", e.reason.clone()),
        Incoming::OrderConfirmed(_) => ("confirmed", "Order confirmed", String::new()),
        Incoming::ReceiptSent(_) => ("receipt_sent", "Receipt sent", privacy::RECEIPT_DETAIL.into()),
        Incoming::ShipmentItemProcessed(e) => ("item_processed", "Item sent", item_sent(e)),
        Incoming::OrderProcessed(_) => ("order_processed", "Order processed", "Everything is on its way".into()),
        Incoming::OrderCancelled(e) => ("cancelled", "Order cancelled", e.reason.clone()),
        Incoming::ReturnRequested(e) => ("return_requested", "Return requested", returned_items(e)),
        Incoming::ReturnReceived(_) => ("return_received", "Returned items received", String::new()),
        Incoming::RefundIssued(e) => {
            ("refund_issued", "Refund issued", app::money::format_money(e.amount_minor, &e.currency))
        }
        Incoming::RefundFailed(_) => {
            ("refund_delayed", "Refund delayed", "Our team will be in touch to settle it".into())
        }
        Incoming::OrderAnonymised(_) => return None,
    };
    Some(TimelineEntry { kind: kind.into(), title: title.into(), detail, at: at.format(&Rfc3339).unwrap_or_default() })
}

/// "2 × Mug, 1 × Skillet": what a return sends back.
fn returned_items(e: &ReturnRequested) -> String {
    e.lines.iter().map(|l| format!("{} × {}", l.quantity, l.name)).collect::<Vec<_>>().join(", ")
}

/// "Mug · UPS, tracking 1Z…": what was sent, and how when fulfilment said.
fn item_sent(e: &ShipmentItemProcessed) -> String {
    let name = if e.name.is_empty() { &e.sku } else { &e.name };
    let how = match (e.carrier.as_str(), e.tracking_number.as_str()) {
        ("", _) => String::new(),
        (carrier, "") => format!(" · {carrier}"),
        (carrier, number) => format!(" · {carrier}, tracking {number}"),
    };
    format!("{name}{how}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::{OrderPlaced, OrderProcessed, ShippingOrderProcessed};
    use crate::platform::events::Envelope;
    use crate::platform::events::{Consumed, DomainEvent};

    /// "Order processed" comes from the orders service's own OrderProcessed,
    /// so a page refetching the order on that entry reads it as processed;
    /// fulfilment's ShippingOrderProcessed may reach tracking first.
    #[test]
    fn the_order_is_processed_on_the_timeline_when_the_orders_service_says_so() {
        let shipped = ShippingOrderProcessed { shipping_order_id: "so-o1".into(), order_id: "o1".into() };
        let shipped = Envelope::new("fulfilment", &shipped, "", None);
        assert!(!Incoming::TYPES.contains(&ShippingOrderProcessed::TYPE));
        assert_eq!(Incoming::from_envelope(&shipped).unwrap(), None);
        let processed = Envelope::new("orders", &OrderProcessed { order_id: "o1".into() }, "", None);
        let event = Incoming::from_envelope(&processed).unwrap().expect("tracking receives OrderProcessed");
        assert_eq!(describe(&event, processed.timestamp).unwrap().kind, "order_processed");
    }

    /// "Order placed — 1 item", "— 3 items": counted, not "item(s)".
    #[test]
    fn the_placed_entry_counts_its_items_in_words() {
        let line = |quantity| crate::contracts::OrderLine {
            sku: "KIT-001".into(),
            name: "Mug".into(),
            quantity,
            unit_price_minor: 1450,
            fulfilment: Default::default(),
        };
        let detail = |lines| {
            let placed = OrderPlaced {
                order_id: "o1".into(),
                email: "a@b.c".into(),
                currency: "USD".into(),
                lines,
                net_total_minor: 0,
                account_id: None,
            };
            let placed = Envelope::new("orders", &placed, "", None);
            let event = Incoming::from_envelope(&placed).unwrap().expect("tracking receives OrderPlaced");
            describe(&event, placed.timestamp).unwrap().detail
        };
        assert_eq!(detail(vec![line(1)]), "1 item");
        assert_eq!(detail(vec![line(2), line(1)]), "3 items");
    }
}
