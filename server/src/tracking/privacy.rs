//! Forgetting: on OrderAnonymised (its account was deleted) the order no
//! longer belongs to an account here, and no entry keeps an e-mail address
//! (entries from before addresses were left out of the timeline lose theirs).

use super::{Tracking, owner_key};
use crate::contracts::OrderAnonymised;
use crate::platform::events::Envelope;
use crate::platform::store::{Condition, Item, Query, SortKeyCondition};
use app::tracking::TimelineEntry;

/// What a receipt entry says (the address it went to is not kept here).
pub const RECEIPT_DETAIL: &str = "by e-mail";

impl Tracking {
    pub(super) async fn forget(&self, event: &Envelope) -> anyhow::Result<()> {
        let order_id = event.decode::<OrderAnonymised>()?.order_id;
        let owner = Item::new(owner_key(&order_id), serde_json::json!({ "account_id": null }));
        self.table.put(owner, Condition::None).await?;
        let mut after = None;
        loop {
            let page = self
                .table
                .query(
                    Query::partition(format!("ORDER#{order_id}"))
                        .sort_key(SortKeyCondition::BeginsWith("AT#".into()))
                        .limit(100)
                        .start_after(after),
                )
                .await?;
            for item in &page.items {
                let mut entry: TimelineEntry = item.record()?;
                if entry.kind == "receipt_sent" {
                    entry.detail = RECEIPT_DETAIL.into();
                }
                // Rewritten without the account's index: no account's stream lists it.
                self.table.put(Item::from_record(item.key.clone(), &entry)?, Condition::None).await?;
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(()),
            }
        }
    }
}
