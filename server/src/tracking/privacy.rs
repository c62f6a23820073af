//! Forgetting: on OrderAnonymised (its account was deleted) the order no
//! longer belongs to an account here, and no entry keeps an e-mail address
//! (entries from before addresses were left out of the timeline lose theirs).

use super::{Tracking, owner_key};
use crate::platform::store::{Condition, Item};
use app::tracking::TimelineEntry;

/// What a receipt entry says (the address it went to is not kept here).
pub const RECEIPT_DETAIL: &str = "by e-mail";

impl Tracking {
    pub(super) async fn forget(&self, order_id: &str) -> anyhow::Result<()> {
        let owner = Item::new(owner_key(order_id), serde_json::json!({ "account_id": null }));
        self.table.put(owner, Condition::None).await?;
        for item in self.entry_items(order_id).await? {
            let mut entry: TimelineEntry = item.record()?;
            if entry.kind == "receipt_sent" {
                entry.detail = RECEIPT_DETAIL.into();
            }
            // Rewritten without the account's index: no account's stream lists it.
            self.table.put(Item::from_record(item.key, &entry)?, Condition::None).await?;
        }
        Ok(())
    }
}
