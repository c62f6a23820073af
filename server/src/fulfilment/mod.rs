//! The fulfilment service. Owns the `fulfilment` table. On OrderConfirmed it
//! creates the order's shipping order (ShippingOrderCreated): physical lines
//! wait for dispatch, digital ones are processed at once. Dispatchers mark
//! physical lines processed with the carrier and tracking number
//! (ShipmentItemProcessed per line); when no line is pending the shipping
//! order is processed (ShippingOrderProcessed). Every change is a versioned
//! write, so two dispatchers cannot both apply a change to the same state.
//!
//! | item           | pk                       | sk               | index `by_status`                       |
//! |----------------|--------------------------|------------------|-----------------------------------------|
//! | shipping order | `SHIPPING_ORDER#<so id>` | `SHIPPING_ORDER` | `STATUS#<status>` / `<created unix>#<id>` |

mod domain;
mod error;
pub mod events;
mod intake;
mod privacy;
mod processing;
mod queue;
mod remote;
mod routes;
mod service;
mod view;

pub use domain::{Shipment, ShippingLine, ShippingOrder};
pub use error::FulfilmentError;
pub use queue::QueueQuery;

pub use intake::Intake;
use processing::{item_processed, order_processed};
pub use service::SERVICE;
use view::view;

use crate::contracts::ShippingOrderId;
use crate::platform::outbox::Relay;
use crate::platform::store::{Item, Key, Store, StoreError, Table, TableSpec};
use app::fulfilment::ShippingOrderView;
use std::sync::Arc;

pub use app::fulfilment::LineStatus;

pub const CONSUMER: &str = "fulfilment";
const SOURCE: &str = "fulfilment";
const BY_STATUS: &str = "by_status";

pub fn table_spec() -> TableSpec {
    TableSpec::new("fulfilment").with_index(BY_STATUS)
}

fn key(id: &str) -> Key {
    Key::new(format!("SHIPPING_ORDER#{id}"), "SHIPPING_ORDER")
}

fn status_partition(status: LineStatus) -> String {
    format!("STATUS#{}", status.label().to_lowercase())
}

fn item(shipping: &ShippingOrder) -> Result<Item, StoreError> {
    let sort = format!("{:012}#{}", shipping.created_at.unix_timestamp(), shipping.id);
    Ok(Item::from_record(key(&shipping.id), shipping)?
        .with_index(BY_STATUS, Key::new(status_partition(shipping.status), sort)))
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

    async fn load(&self, id: &str) -> Result<(ShippingOrder, u64), FulfilmentError> {
        let item = self.table.get(&key(id)).await?.ok_or_else(|| FulfilmentError::NotFound(id.to_string()))?;
        Ok((item.record()?, item.version))
    }

    /// One shipping order, with the version to send back when processing.
    pub async fn get(&self, id: &str) -> Result<ShippingOrderView, FulfilmentError> {
        let (shipping, version) = self.load(id).await?;
        Ok(view(&shipping, version))
    }
}

/// The order page's shipment part: the order's shipping order, once made.
#[async_trait::async_trait]
impl crate::contracts::ports::OrderPart<ShippingOrderView> for Fulfilment {
    async fn of(&self, order: &app::orders::OrderView) -> anyhow::Result<Option<ShippingOrderView>> {
        match self.get(&ShippingOrderId::of(&order.id)).await {
            Ok(view) => Ok(Some(view)),
            Err(FulfilmentError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}
