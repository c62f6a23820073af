//! The fulfilment service. Owns the `fulfilment` table; on OrderConfirmed it
//! creates the order's shipping order with every line *Pending* and
//! publishes ShippingOrderCreated. (Processing lines is the dispatch app's.)
//!
//! | item           | pk                        | sk               |
//! |----------------|---------------------------|------------------|
//! | shipping order | `SHIPPING_ORDER#<so id>`  | `SHIPPING_ORDER` |

use crate::contracts::{OrderConfirmed, ShippingAddress, ShippingOrderCreated, StockLine};
use crate::platform::consumer::{Applied, Handler, apply_once};
use crate::platform::events::{DomainEvent, Envelope};
use crate::platform::outbox::{self, Relay};
use crate::platform::store::{Condition, Item, Key, Store, StoreError, Table, TableSpec, WriteOp};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const CONSUMER: &str = "fulfilment";
const SOURCE: &str = "fulfilment";

pub fn table_spec() -> TableSpec {
    TableSpec::new("fulfilment")
}

pub fn subscribes_to() -> Vec<&'static str> {
    vec![OrderConfirmed::TYPE]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Pending,
    Processed,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShippingLine {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub status: LineStatus,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShippingOrder {
    pub id: String,
    pub order_id: String,
    pub status: LineStatus,
    pub lines: Vec<ShippingLine>,
    pub address: ShippingAddress,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

/// One shipping order per order, so its id derives from the order's.
pub fn shipping_order_id(order_id: &str) -> String {
    format!("so-{order_id}")
}

fn key(id: &str) -> Key {
    Key::new(format!("SHIPPING_ORDER#{id}"), "SHIPPING_ORDER")
}

pub struct Fulfilment {
    table: Arc<dyn Table>,
    relay: Relay,
}

impl Fulfilment {
    pub async fn open(store: &dyn Store, hub: Arc<dyn crate::platform::hub::EventHub>) -> Result<Self, StoreError> {
        let table = store.open_table(&table_spec()).await?;
        Ok(Self { relay: Relay::new(table.clone(), hub), table })
    }

    pub fn relay(&self) -> Relay {
        self.relay.clone()
    }

    pub async fn shipping_order(&self, id: &str) -> Result<Option<ShippingOrder>, StoreError> {
        self.table.get(&key(id)).await?.map(|item| item.record()).transpose()
    }

    async fn intake(&self, event: &Envelope) -> anyhow::Result<()> {
        let order: OrderConfirmed = event.decode()?;
        let id = shipping_order_id(&order.order_id);
        if self.table.get(&key(&id)).await?.is_some() {
            return Ok(());
        }
        let shipping = ShippingOrder {
            id: id.clone(),
            order_id: order.order_id.clone(),
            status: LineStatus::Pending,
            lines: order
                .lines
                .iter()
                .map(|l| ShippingLine {
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity,
                    status: LineStatus::Pending,
                })
                .collect(),
            address: order.shipping_address.clone(),
            created_at: time::OffsetDateTime::now_utc(),
        };
        let created = ShippingOrderCreated {
            shipping_order_id: id.clone(),
            order_id: order.order_id.clone(),
            lines: order.lines.iter().map(|l| StockLine { sku: l.sku.clone(), quantity: l.quantity }).collect(),
        };
        let ops = vec![
            WriteOp::Put { item: Item::from_record(key(&id), &shipping)?, condition: Condition::NotExists },
            outbox::stage(&Envelope::new(SOURCE, &created, "", event.trace().as_ref()))?,
        ];
        match apply_once(&*self.table, CONSUMER, event, ops).await {
            Ok(Applied::Now) => {
                self.relay.notify();
                tracing::info!(order = %order.order_id, shipping_order = %id, "shipping order created");
                Ok(())
            }
            Ok(Applied::Before) | Err(StoreError::TransactionCancelled { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

pub struct Intake(pub Arc<Fulfilment>);

#[async_trait]
impl Handler for Intake {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn subscribes_to(&self) -> Vec<&'static str> {
        subscribes_to()
    }

    async fn handle(&self, event: &Envelope) -> anyhow::Result<()> {
        if event.is::<OrderConfirmed>() { self.0.intake(event).await } else { Ok(()) }
    }
}
