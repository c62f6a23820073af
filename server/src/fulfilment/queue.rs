//! The dispatch queue: shipping orders in one status, oldest first, a page
//! at a time, optionally narrowed to an order number or a recipient's name.

use super::error::invalid;
use super::view::view;
use super::{BY_STATUS, Fulfilment, FulfilmentError, LineStatus, ShippingOrder, key, status_partition};
use crate::platform::store::{Cursor, Key, Query};
use app::fulfilment::ShippingOrderPage;

/// What the queue is asked for.
#[derive(Clone, Debug, Default)]
pub struct QueueQuery {
    pub status: Option<String>,
    /// Matches the order number or the recipient's name (case-insensitive).
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

/// A queue query, checked.
struct Asked {
    partition: String,
    limit: usize,
    needle: Option<String>,
    after: Option<Cursor>,
}

impl QueueQuery {
    fn checked(self) -> Result<Asked, FulfilmentError> {
        let status = match self.status.as_deref().unwrap_or("pending") {
            "pending" => LineStatus::Pending,
            "processed" => LineStatus::Processed,
            _ => return Err(invalid("status", "status is pending or processed")),
        };
        let limit = match self.limit.as_deref() {
            None => 20,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| invalid("limit", "limit is 1 to 100"))?,
        };
        let needle = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase);
        let partition = status_partition(status);
        let after = match self.cursor.as_deref() {
            None => None,
            Some(raw) => {
                let (_, id) = raw
                    .split_once('#')
                    .filter(|(t, _)| t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| invalid("cursor", "cursor is not one this API gave out"))?;
                Some(Cursor { key: key(id), index_key: Some(Key::new(partition.clone(), raw)) })
            }
        };
        Ok(Asked { partition, limit, needle, after })
    }
}

impl Fulfilment {
    /// Shipping orders in `status` (default pending), oldest first, a page at a time.
    pub async fn queue(&self, query: QueueQuery) -> Result<ShippingOrderPage, FulfilmentError> {
        let Asked { partition, limit, needle, mut after } = query.checked()?;
        let mut items = Vec::new();
        let mut last_sort = None;
        let more = loop {
            let query = Query::partition(partition.clone()).on_index(BY_STATUS).limit(limit + 1);
            let page = self.table.query(query.start_after(after.take())).await?;
            let exhausted = page.next.is_none();
            for item in page.items {
                let shipping: ShippingOrder = item.record()?;
                if items.len() == limit {
                    break;
                }
                last_sort = Some(format!("{:012}#{}", shipping.created_at.unix_timestamp(), shipping.id));
                if needle.as_deref().is_none_or(|n| matches(&shipping, n)) {
                    items.push(view(&shipping, item.version));
                }
            }
            if items.len() == limit || exhausted {
                break items.len() == limit;
            }
            after = last_sort.clone().and_then(|sort| {
                let id = sort.split_once('#').map(|(_, id)| id.to_string())?;
                Some(Cursor { key: key(&id), index_key: Some(Key::new(partition.clone(), sort)) })
            });
        };
        Ok(ShippingOrderPage { items, next_cursor: if more { last_sort } else { None } })
    }
}

/// Whether the shipping order's number, order id or recipient contains `needle` (lower case).
fn matches(shipping: &ShippingOrder, needle: &str) -> bool {
    shipping.order_number().to_lowercase().contains(needle)
        || shipping.order_id.contains(needle)
        || shipping.address.name.to_lowercase().contains(needle)
}
