//! What returns knows of an order, built only from events: its lines and
//! money as confirmed (OrderConfirmed), when each line was sent
//! (ShipmentItemProcessed), whether it was cancelled (OrderCancelled), and
//! how much of it returns already cover; its e-mail address is forgotten
//! when its account is deleted (OrderAnonymised). One item per order, written on its
//! version, so events and return requests racing for it take turns.

use super::{Returns, order_key};
use crate::contracts::{FulfilmentKind, OrderCancelled, OrderConfirmed, REDACTED, ShipmentItemProcessed};
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, Item, StoreError, WriteOp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderedLine {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
    pub fulfilment: FulfilmentKind,
    /// When it was sent (RFC 3339), once it was.
    #[serde(default)]
    pub sent_at: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ReturnableOrder {
    pub order_id: String,
    pub number: String,
    pub account_id: Option<String>,
    pub email: String,
    pub currency: String,
    pub lines: Vec<OrderedLine>,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub shipping_minor: i64,
    pub cancelled: bool,
    /// Quantities already asked back, per SKU.
    #[serde(default)]
    pub returned: BTreeMap<String, u32>,
    /// The ids of its returns, oldest first.
    #[serde(default)]
    pub returns: Vec<String>,
}

impl ReturnableOrder {
    /// The net price of the quantities returned so far.
    pub fn returned_net(&self) -> i64 {
        self.lines.iter().map(|l| l.unit_price_minor * i64::from(self.returned_of(&l.sku))).sum()
    }

    pub fn returned_of(&self, sku: &str) -> u32 {
        self.returned.get(sku).copied().unwrap_or(0)
    }

    /// Whether every physical line is returned in full.
    pub fn all_physical_returned(&self) -> bool {
        self.lines
            .iter()
            .filter(|l| l.fulfilment == FulfilmentKind::Physical)
            .all(|l| self.returned_of(&l.sku) >= l.quantity)
    }
}

/// A change an event makes to the order as returns knows it.
enum Change<'a> {
    Confirmed(&'a OrderConfirmed),
    Sent(&'a ShipmentItemProcessed, String),
    Cancelled,
    Anonymised,
}

impl Returns {
    /// The order and its version, if returns knows it.
    pub(super) async fn order(&self, order_id: &str) -> Result<Option<(ReturnableOrder, u64)>, StoreError> {
        Ok(match self.table.get(&order_key(order_id)).await? {
            Some(item) => Some((item.record()?, item.version)),
            None => None,
        })
    }

    pub(super) async fn confirmed(&self, order: &OrderConfirmed) -> anyhow::Result<()> {
        self.change(&order.order_id, Change::Confirmed(order)).await
    }

    pub(super) async fn sent(&self, item: &ShipmentItemProcessed, at: String) -> anyhow::Result<()> {
        self.change(&item.order_id, Change::Sent(item, at)).await
    }

    pub(super) async fn cancelled(&self, cancelled: &OrderCancelled) -> anyhow::Result<()> {
        self.change(&cancelled.order_id, Change::Cancelled).await
    }

    pub(super) async fn anonymised(&self, order_id: &str) -> anyhow::Result<()> {
        self.change(order_id, Change::Anonymised).await
    }

    /// Applies `change` on the order's version (again when something wrote it meanwhile).
    async fn change(&self, order_id: &str, change: Change<'_>) -> anyhow::Result<()> {
        let done = optimistic::until_done(|| async {
            let current = self.order(order_id).await?;
            let (order, condition) = match (current, &change) {
                (Some((order, version)), _) => (order, Condition::Version(version)),
                (None, Change::Confirmed(_) | Change::Cancelled | Change::Anonymised) => {
                    (ReturnableOrder { order_id: order_id.into(), ..Default::default() }, Condition::NotExists)
                }
                // Sent before returns heard of the order: the retry finds it.
                (None, Change::Sent(..)) => anyhow::bail!("order {order_id} is not known to returns yet"),
            };
            let Some(changed) = apply(order, &change) else { return Ok(Attempt::Done(())) };
            let item = Item::from_record(order_key(order_id), &changed)?;
            match self.table.put(item, condition).await {
                Ok(_) => Ok(Attempt::Done(())),
                Err(StoreError::ConditionFailed(_)) => Ok(Attempt::Raced),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
        done.ok_or_else(|| anyhow::anyhow!("order {order_id} keeps changing; will retry"))
    }
}

/// The order after `change`; `None` when the change is already in it.
fn apply(mut order: ReturnableOrder, change: &Change<'_>) -> Option<ReturnableOrder> {
    match change {
        Change::Confirmed(_) if !order.lines.is_empty() => return None,
        Change::Confirmed(c) => {
            let (cancelled, forgotten) = (order.cancelled, order.email == REDACTED);
            order = ReturnableOrder {
                order_id: c.order_id.to_string(),
                number: c.number(),
                account_id: c.account_id.clone(),
                email: if forgotten { REDACTED.into() } else { c.email.clone() },
                currency: c.currency.clone(),
                lines: c
                    .lines
                    .iter()
                    .map(|l| OrderedLine {
                        sku: l.sku.clone(),
                        name: l.name.clone(),
                        quantity: l.quantity,
                        unit_price_minor: l.unit_price_minor,
                        fulfilment: l.fulfilment,
                        sent_at: None,
                    })
                    .collect(),
                net_minor: c.net_total_minor,
                tax_minor: c.tax_minor,
                shipping_minor: c.shipping_minor,
                cancelled,
                returned: BTreeMap::new(),
                returns: Vec::new(),
            };
        }
        Change::Sent(item, at) => {
            let line = order.lines.iter_mut().find(|l| l.sku == item.sku && l.sent_at.is_none())?;
            line.sent_at = Some(at.clone());
        }
        Change::Cancelled if order.cancelled => return None,
        Change::Cancelled => order.cancelled = true,
        Change::Anonymised if order.email == REDACTED => return None,
        Change::Anonymised => order.email = REDACTED.into(),
    }
    Some(order)
}

/// The write that stores `order` on `version`.
pub fn put(order: &ReturnableOrder, version: u64) -> Result<WriteOp, StoreError> {
    Ok(WriteOp::Put {
        item: Item::from_record(order_key(&order.order_id), order)?,
        condition: Condition::Version(version),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::ShippingAddress;

    fn confirmed() -> OrderConfirmed {
        let address = ShippingAddress {
            name: "Ann".into(),
            line1: "1 St".into(),
            line2: String::new(),
            city: "C".into(),
            postal_code: "1".into(),
            country: "US".into(),
        };
        OrderConfirmed {
            order_id: "o1".into(),
            email: "ann@example.com".into(),
            currency: "USD".into(),
            lines: Vec::new(),
            net_total_minor: 100,
            tax_minor: 8,
            shipping_minor: 0,
            gross_total_minor: 108,
            shipping_address: address,
            number: "1001".into(),
            account_id: None,
        }
    }

    #[test]
    fn a_deleted_accounts_address_is_forgotten_whenever_the_confirmation_comes() {
        let order = ReturnableOrder::default();
        let known = apply(order.clone(), &Change::Confirmed(&confirmed())).unwrap();
        assert_eq!(known.email, "ann@example.com");
        let forgotten = apply(known, &Change::Anonymised).unwrap();
        assert_eq!(forgotten.email, REDACTED);
        assert!(apply(forgotten, &Change::Anonymised).is_none(), "forgotten once");

        let early = apply(order, &Change::Anonymised).unwrap();
        let late = apply(early, &Change::Confirmed(&confirmed())).unwrap();
        assert_eq!(
            (late.email.as_str(), late.number.as_str()),
            (REDACTED, "1001"),
            "a late confirmation stays forgotten"
        );
    }
}
