//! Forgetting: on OrderAnonymised (its account was deleted) the shipping
//! order keeps its lines and country and loses the name and address. If the
//! shipping order is not made yet, a marker makes intake make it without them.
//!
//! | item   | pk                   | sk          |
//! |--------|----------------------|-------------|
//! | marker | `FORGOTTEN#<order>`  | `FORGOTTEN` |

use super::domain::ShippingOrder;
use super::{Fulfilment, item, key, shipping_order_id};
use crate::contracts::OrderAnonymised;
use crate::platform::events::Envelope;
use crate::platform::store::{Condition, Item, Key, StoreError};

/// Optimistic rounds against a dispatcher changing the same shipping order.
const ROUNDS: usize = 8;

fn marker(order_id: &str) -> Key {
    Key::new(format!("FORGOTTEN#{order_id}"), "FORGOTTEN")
}

impl Fulfilment {
    pub(super) async fn forget(&self, event: &Envelope) -> anyhow::Result<()> {
        let order_id = event.decode::<OrderAnonymised>()?.order_id;
        let id = shipping_order_id(&order_id);
        for _ in 0..ROUNDS {
            let Some(found) = self.table.get(&key(&id)).await? else {
                let forgotten = Item::new(marker(&order_id), serde_json::json!({}));
                self.table.put(forgotten, Condition::None).await?;
                return Ok(());
            };
            let mut shipping: ShippingOrder = found.record()?;
            let redacted = shipping.address.redacted();
            if shipping.address == redacted {
                return Ok(());
            }
            shipping.address = redacted;
            match self.table.put(item(&shipping)?, Condition::Version(found.version)).await {
                Ok(_) => return Ok(()),
                Err(StoreError::ConditionFailed(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        anyhow::bail!("shipping order {id} kept changing; will retry")
    }

    /// Whether the order's personal data was forgotten before its shipping order was made.
    pub(super) async fn forgotten(&self, order_id: &str) -> Result<bool, StoreError> {
        Ok(self.table.get(&marker(order_id)).await?.is_some())
    }
}
