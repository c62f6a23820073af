//! Forgetting: on OrderAnonymised (its account was deleted) the shipping
//! order keeps its lines and country and loses the name and address. If the
//! shipping order is not made yet, a marker makes intake make it without them.
//!
//! | item   | pk                   | sk          |
//! |--------|----------------------|-------------|
//! | marker | `FORGOTTEN#<order>`  | `FORGOTTEN` |

use super::domain::ShippingOrder;
use super::{Fulfilment, item, key};
use crate::contracts::ShippingOrderId;
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, Item, Key, StoreError};

fn marker(order_id: &str) -> Key {
    Key::new(format!("FORGOTTEN#{order_id}"), "FORGOTTEN")
}

impl Fulfilment {
    pub(super) async fn forget(&self, order_id: &str) -> anyhow::Result<()> {
        let id = ShippingOrderId::of(order_id);
        let forgotten = optimistic::until_done(|| async {
            let Some(found) = self.table.get(&key(&id)).await? else {
                let forgotten = Item::new(marker(order_id), serde_json::json!({}));
                self.table.put(forgotten, Condition::None).await?;
                return Ok::<_, anyhow::Error>(Attempt::Done(()));
            };
            let mut shipping: ShippingOrder = found.record()?;
            let redacted = shipping.address.redacted();
            if shipping.address == redacted {
                return Ok(Attempt::Done(()));
            }
            shipping.address = redacted;
            Ok(optimistic::written(self.table.put(item(&shipping)?, Condition::Version(found.version)).await)?
                .map(drop))
        })
        .await?;
        forgotten.ok_or_else(|| anyhow::anyhow!("shipping order {id} kept changing; will retry"))
    }

    /// Whether the order's personal data was forgotten before its shipping order was made.
    pub(super) async fn forgotten(&self, order_id: &str) -> Result<bool, StoreError> {
        Ok(self.table.get(&marker(order_id)).await?.is_some())
    }
}
