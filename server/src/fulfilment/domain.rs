//! A shipping order and its one rule: it is *Processed* only when none of
//! its lines is pending. Lines move from pending to processed once, with the
//! courier details they were sent with; digital lines are processed on intake.

use crate::contracts::{FulfilmentKind, OrderConfirmed, OrderId, ShippingAddress, ShippingOrderId};
use app::fulfilment::LineStatus;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The carrier recorded for lines delivered digitally.
pub const DIGITAL_DELIVERY: &str = "Digital delivery";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    #[serde(with = "time::serde::rfc3339")]
    pub processed_at: OffsetDateTime,
    /// The dispatcher's account id; empty for digital delivery.
    #[serde(default)]
    pub processed_by: String,
    /// The `Idempotency-Key` of the request that processed it, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShippingLine {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    #[serde(default)]
    pub fulfilment: FulfilmentKind,
    pub status: LineStatus,
    #[serde(default)]
    pub shipment: Option<Shipment>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShippingOrder {
    pub id: ShippingOrderId,
    pub order_id: OrderId,
    pub status: LineStatus,
    pub lines: Vec<ShippingLine>,
    pub address: ShippingAddress,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The order's number as the shopper knows it (empty for orders from
    /// before numbering).
    #[serde(default)]
    pub number: String,
}

/// Why a command was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("choose at least one line")]
    NoLines,
    #[error("this shipping order has no line {0}")]
    UnknownLine(String),
    #[error("{0} is already processed")]
    AlreadyProcessed(String),
    #[error("{0} is named twice")]
    Repeated(String),
}

/// One shipping order per order, so its id derives from the order's.
impl ShippingOrder {
    /// A confirmed order's shipping order: physical lines pending, digital
    /// ones processed at once.
    pub fn intake(order: &OrderConfirmed, now: OffsetDateTime) -> Self {
        let lines = order
            .lines
            .iter()
            .map(|l| {
                let digital = l.fulfilment == FulfilmentKind::Digital;
                ShippingLine {
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity,
                    fulfilment: l.fulfilment,
                    status: if digital { LineStatus::Processed } else { LineStatus::Pending },
                    shipment: digital.then(|| Shipment {
                        carrier: DIGITAL_DELIVERY.into(),
                        tracking_number: String::new(),
                        processed_at: now,
                        processed_by: String::new(),
                        change_id: None,
                    }),
                }
            })
            .collect();
        let mut shipping = Self {
            id: ShippingOrderId::of(&order.order_id),
            order_id: order.order_id.clone(),
            status: LineStatus::Pending,
            lines,
            address: order.shipping_address.clone(),
            created_at: now,
            number: order.number.clone(),
        };
        shipping.settle();
        shipping
    }

    /// The order's number as the shopper knows it.
    pub fn order_number(&self) -> String {
        crate::contracts::order_number(&self.number, &self.order_id)
    }

    /// Processed exactly when no line is pending.
    fn settle(&mut self) {
        let pending = self.lines.iter().any(|l| l.status == LineStatus::Pending);
        self.status = if pending { LineStatus::Pending } else { LineStatus::Processed };
    }

    /// The lines processed on intake (digital ones).
    pub fn processed_lines(&self) -> impl Iterator<Item = &ShippingLine> {
        self.lines.iter().filter(|l| l.status == LineStatus::Processed)
    }

    /// Whether `skus` were all processed by the change `change_id`: what a
    /// replayed request (a dispatcher's queued change sent again after its
    /// answer was lost) finds. The same change made by another request — a
    /// second dispatcher, a second tab — is not a replay: they are told
    /// someone was first.
    pub fn already_processed(&self, skus: &[String], change_id: &str) -> bool {
        !skus.is_empty()
            && skus.iter().all(|sku| {
                self.lines.iter().any(|l| {
                    &l.sku == sku
                        && l.status == LineStatus::Processed
                        && l.shipment.as_ref().is_some_and(|s| s.change_id.as_deref() == Some(change_id))
                })
            })
    }

    /// Marks `skus` processed with `shipment`. All or nothing.
    pub fn process(&mut self, skus: &[String], shipment: &Shipment) -> Result<(), Refusal> {
        if skus.is_empty() {
            return Err(Refusal::NoLines);
        }
        for (i, sku) in skus.iter().enumerate() {
            if skus[..i].contains(sku) {
                return Err(Refusal::Repeated(sku.clone()));
            }
            let line = self.lines.iter().find(|l| &l.sku == sku).ok_or_else(|| Refusal::UnknownLine(sku.clone()))?;
            if line.status == LineStatus::Processed {
                return Err(Refusal::AlreadyProcessed(line.name.clone()));
            }
        }
        for line in self.lines.iter_mut().filter(|l| skus.contains(&l.sku)) {
            line.status = LineStatus::Processed;
            line.shipment = Some(shipment.clone());
        }
        self.settle();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::OrderLine;

    fn line(sku: &str, fulfilment: FulfilmentKind) -> OrderLine {
        OrderLine { sku: sku.into(), name: format!("{sku} name"), quantity: 1, unit_price_minor: 100, fulfilment }
    }

    fn confirmed(lines: Vec<OrderLine>) -> OrderConfirmed {
        OrderConfirmed {
            order_id: "o1".into(),
            email: "a@b.c".into(),
            currency: "USD".into(),
            lines,
            net_total_minor: 100,
            tax_minor: 8,
            shipping_minor: 0,
            gross_total_minor: 108,
            shipping_address: ShippingAddress {
                name: "Ann".into(),
                line1: "1 St".into(),
                line2: String::new(),
                city: "C".into(),
                postal_code: "1".into(),
                country: "US".into(),
            },
            number: "1001".into(),
            account_id: None,
        }
    }

    fn shipment() -> Shipment {
        Shipment {
            carrier: "UPS".into(),
            tracking_number: "1Z999".into(),
            processed_at: OffsetDateTime::UNIX_EPOCH,
            processed_by: "d1".into(),
            change_id: None,
        }
    }

    #[test]
    fn the_order_is_processed_only_when_no_line_is_pending() {
        let mut so = ShippingOrder::intake(
            &confirmed(vec![line("A", FulfilmentKind::Physical), line("B", FulfilmentKind::Physical)]),
            OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(so.status, LineStatus::Pending);
        so.process(&["A".into()], &shipment()).unwrap();
        assert_eq!(
            (so.status, so.lines[0].status, so.lines[1].status),
            (LineStatus::Pending, LineStatus::Processed, LineStatus::Pending)
        );
        assert_eq!(so.lines[0].shipment.as_ref().unwrap().tracking_number, "1Z999");
        so.process(&["B".into()], &shipment()).unwrap();
        assert_eq!(so.status, LineStatus::Processed);
    }

    #[test]
    fn digital_lines_are_processed_on_intake() {
        let only_digital =
            ShippingOrder::intake(&confirmed(vec![line("D", FulfilmentKind::Digital)]), OffsetDateTime::UNIX_EPOCH);
        assert_eq!(only_digital.status, LineStatus::Processed);
        assert_eq!(only_digital.lines[0].shipment.as_ref().unwrap().carrier, DIGITAL_DELIVERY);
        let mixed = ShippingOrder::intake(
            &confirmed(vec![line("D", FulfilmentKind::Digital), line("P", FulfilmentKind::Physical)]),
            OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(mixed.status, LineStatus::Pending);
        assert_eq!(mixed.processed_lines().map(|l| l.sku.as_str()).collect::<Vec<_>>(), ["D"]);
    }

    #[test]
    fn a_refused_command_changes_nothing() {
        let mut so = ShippingOrder::intake(
            &confirmed(vec![line("A", FulfilmentKind::Physical), line("D", FulfilmentKind::Digital)]),
            OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(so.process(&[], &shipment()), Err(Refusal::NoLines));
        assert_eq!(so.process(&["A".into(), "X".into()], &shipment()), Err(Refusal::UnknownLine("X".into())));
        assert_eq!(so.process(&["A".into(), "D".into()], &shipment()), Err(Refusal::AlreadyProcessed("D name".into())));
        assert_eq!(so.process(&["A".into(), "A".into()], &shipment()), Err(Refusal::Repeated("A".into())));
        assert_eq!(so.lines[0].status, LineStatus::Pending, "all or nothing");
    }

    #[test]
    fn only_the_same_change_sent_again_is_a_replay() {
        let mut so = ShippingOrder::intake(
            &confirmed(vec![line("A", FulfilmentKind::Physical), line("B", FulfilmentKind::Physical)]),
            OffsetDateTime::UNIX_EPOCH,
        );
        so.process(&["A".into()], &Shipment { change_id: Some("c1".into()), ..shipment() }).unwrap();
        assert!(so.already_processed(&["A".into()], "c1"));
        assert!(!so.already_processed(&["A".into()], "c2"), "another request came second");
        assert!(!so.already_processed(&["A".into(), "B".into()], "c1"), "B is still pending");
        assert!(!so.already_processed(&[], "c1"));
    }
}
