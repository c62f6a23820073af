use super::*;
use crate::platform::events::Envelope;

#[test]
fn type_names_are_the_struct_names_and_unique() {
    assert_eq!(OrderConfirmed::TYPE, "OrderConfirmed");
    let unique: std::collections::HashSet<_> = ALL_EVENT_TYPES.iter().collect();
    assert_eq!(unique.len(), ALL_EVENT_TYPES.len());
}

#[test]
fn every_contract_round_trips_in_an_envelope() {
    let address = ShippingAddress {
        name: "Ann".into(),
        line1: "1 High St".into(),
        line2: String::new(),
        city: "Bath".into(),
        postal_code: "BA1 1AA".into(),
        country: "GB".into(),
    };
    let line = OrderLine {
        sku: "KIT-001".into(),
        name: "Mug".into(),
        quantity: 1,
        unit_price_minor: 1450,
        fulfilment: FulfilmentKind::Digital,
    };
    let stock = vec![StockLine { sku: "KIT-001".into(), quantity: 1 }];
    fn check<E: DomainEvent + PartialEq + std::fmt::Debug>(event: E) {
        let envelope = Envelope::new("test", &event, "", None);
        let wire = serde_json::to_string(&envelope).unwrap();
        let back: Envelope = serde_json::from_str(&wire).unwrap();
        assert_eq!(back.decode::<E>().unwrap(), event, "{}", E::TYPE);
        assert_eq!(back.partition_key, "o1");
    }
    check(OrderPlaced {
        order_id: "o1".into(),
        email: "a@b.c".into(),
        currency: "USD".into(),
        lines: vec![line.clone()],
        net_total_minor: 1450,
        account_id: Some("a1".into()),
    });
    check(StockReserved { order_id: "o1".into(), lines: stock.clone() });
    check(StockReservationRejected { order_id: "o1".into(), sku: "KIT-001".into(), requested: 5, available: 3 });
    check(StockReleased { order_id: "o1".into(), lines: stock.clone() });
    check(PaymentSucceeded {
        order_id: "o1".into(),
        payment_id: "pi_1".into(),
        amount_minor: 1,
        currency: "USD".into(),
    });
    check(PaymentFailed { order_id: "o1".into(), payment_id: "pi_1".into(), reason: "card_declined".into() });
    check(OrderConfirmed {
        order_id: "o1".into(),
        email: "a@b.c".into(),
        currency: "USD".into(),
        lines: vec![line],
        net_total_minor: 1450,
        tax_minor: 0,
        shipping_minor: 500,
        gross_total_minor: 1950,
        shipping_address: address,
        number: "1001".into(),
        account_id: None,
    });
    check(OrderCancelled { order_id: "o1".into(), reason: "payment expired".into() });
    check(ShippingOrderCreated { shipping_order_id: "s1".into(), order_id: "o1".into(), lines: stock });
    check(ShipmentItemProcessed {
        shipping_order_id: "s1".into(),
        order_id: "o1".into(),
        sku: "KIT-001".into(),
        name: "Mug".into(),
        quantity: 2,
        carrier: "UPS".into(),
        tracking_number: "1Z".into(),
    });
    check(ShippingOrderProcessed { shipping_order_id: "s1".into(), order_id: "o1".into() });
    check(OrderProcessed { order_id: "o1".into() });
    check(ReceiptSent { order_id: "o1".into(), email: "a@b.c".into(), message_id: "m1".into() });
    check(AccountDeleted { account_id: "o1".into() });
    check(PasswordResetRequested {
        account_id: "o1".into(),
        email: "a@b.c".into(),
        name: "Ann".into(),
        nonce: "n1".into(),
        expires_at: "2026-12-06T03:00:00Z".into(),
    });
    check(OrderAnonymised { order_id: "o1".into() });
    check(RefundDue { order_id: "o1".into(), payment_id: "p2".into(), reason: "paid twice".into() });
    check(PaymentRefunded { order_id: "o1".into(), payment_id: "p2".into(), amount_minor: 1, currency: "USD".into() });
    let returned = ReturnLine { sku: "KIT-001".into(), name: "Mug".into(), quantity: 1, unit_price_minor: 1450 };
    check(ReturnRequested {
        return_id: "r1".into(),
        order_id: "o1".into(),
        order_number: "2026-000001".into(),
        email: "a@b.c".into(),
        lines: vec![returned],
        reason: "too small".into(),
        refund_minor: 1566,
        currency: "USD".into(),
        tax_minor: 116,
        shipping_minor: 0,
    });
    let received = app::returns::ReceivedLine {
        sku: "KIT-001".into(),
        quantity: 1,
        condition: app::returns::ItemCondition::Resellable,
    };
    check(ReturnReceived {
        return_id: "r1".into(),
        order_id: "o1".into(),
        lines: vec![received],
        refund_minor: 1566,
        currency: "USD".into(),
        net_minor: 1450,
    });
    let (currency, return_id) = ("USD".to_string(), "r1".to_string());
    check(RefundIssued {
        return_id: return_id.clone(),
        order_id: "o1".into(),
        payment_id: "p1".into(),
        amount_minor: 1566,
        currency,
        net_minor: 1450,
    });
    check(RefundFailed { return_id, order_id: "o1".into(), reason: "refused".into() });
    check(ProductChanged {
        sku: "o1".into(),
        name: "Mug".into(),
        description: "Stoneware.".into(),
        category: "kitchen".into(),
        price_minor: 1450,
        currency: "USD".into(),
        fulfilment: FulfilmentKind::Physical,
        image: "/images/product.svg".into(),
        archived: true,
        version: 2,
    });
}

#[test]
fn each_line_of_an_order_shipped_apart_is_its_own_event() {
    let item = |sku: &str| ShipmentItemProcessed {
        shipping_order_id: "s1".into(),
        order_id: "o1".into(),
        sku: sku.into(),
        name: "Mug".into(),
        quantity: 1,
        carrier: "UPS".into(),
        tracking_number: "1Z".into(),
    };
    let first = Envelope::new("fulfilment", &item("KIT-001"), "", None);
    let second = Envelope::new("fulfilment", &item("KIT-002"), "", None);
    assert_ne!(first.id, second.id, "two lines, two facts");
    assert_eq!(first.id, Envelope::new("fulfilment", &item("KIT-001"), "", None).id, "still deterministic");
}
