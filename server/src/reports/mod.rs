//! The reports service (CQRS): a materialized view of completed orders per
//! calendar month (UTC) and currency, built only from events, never by
//! reading orders. Owns the `reports` table.
//!
//! | item           | pk                 | sk                   |
//! |----------------|--------------------|----------------------|
//! | month totals   | `COMPLETED_ORDERS` | `<YYYY-MM>#<CUR>`    |
//! | order's share  | `ORDER#<id>`       | `REPORT`             |
//! | view status    | `STATUS`           | `REPORTS`            |
//!
//! OrderConfirmed adds an order's net total to its month, OrderCancelled
//! (a refund after confirmation) takes it out again. The order's share is
//! recorded with the month change and the event's processed marker in one
//! transaction, so an order counts once however often and in whatever
//! order its events arrive (a cancellation first leaves a tombstone).

mod routes;

pub use routes::router;

use crate::contracts::{OrderCancelled, OrderConfirmed};
use crate::platform::consumer::{Handler, processed_marker};
use crate::platform::events::{DomainEvent, Envelope};
use crate::platform::store::{
    Condition, Item, Key, Query, SortKeyCondition, Store, StoreError, Table, TableSpec, WriteOp,
};
use app::reports::{CompletedOrdersReport, CurrencyTotal, MonthTotals};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const CONSUMER: &str = "reports";
const MONTHS: &str = "COMPLETED_ORDERS";
/// Events folded per transaction at most (each needs up to 3 items of the 100 allowed).
pub const FOLD_BATCH: usize = 25;

pub fn table_spec() -> TableSpec {
    TableSpec::new("reports")
}

pub fn subscribes_to() -> Vec<&'static str> {
    vec![OrderConfirmed::TYPE, OrderCancelled::TYPE]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Share {
    Counted,
    /// Confirmed, then cancelled: taken out again.
    Withdrawn,
    /// Cancelled before any confirmation arrived: never counts.
    Tombstone,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct OrderShare {
    share: Share,
    month: String,
    currency: String,
    net_minor: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct MonthRecord {
    month: String,
    currency: String,
    net_total_minor: i64,
    order_count: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Status {
    #[serde(with = "time::serde::rfc3339")]
    as_of: OffsetDateTime,
}

fn share_key(order_id: &str) -> Key {
    Key::new(format!("ORDER#{order_id}"), "REPORT")
}

fn month_key(month: &str, currency: &str) -> Key {
    Key::new(MONTHS, format!("{month}#{currency}"))
}

fn status_key() -> Key {
    Key::new("STATUS", "REPORTS")
}

/// `YYYY-MM` of a UTC time.
pub fn month_of(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}", t.year(), u8::from(t.month()))
}

/// The `n` calendar months up to and including `now`'s, oldest first.
pub fn last_months(now: OffsetDateTime, n: u32) -> Vec<String> {
    let (mut year, mut month) = (now.year(), u8::from(now.month()) as i32);
    let mut months = Vec::with_capacity(n as usize);
    for _ in 0..n {
        months.push(format!("{year:04}-{month:02}"));
        month -= 1;
        if month == 0 {
            month = 12;
            year -= 1;
        }
    }
    months.reverse();
    months
}

pub struct Reports {
    table: Arc<dyn Table>,
}

impl Reports {
    pub async fn open(store: &dyn Store) -> Result<Self, StoreError> {
        Ok(Self { table: store.open_table(&table_spec()).await? })
    }

    /// Folds `events` (at most [`FOLD_BATCH`]) into the view in one transaction.
    /// Events processed before are skipped. Fails when another writer changed
    /// the same items meanwhile (the consumer then retries).
    pub async fn fold(&self, events: &[Envelope]) -> anyhow::Result<usize> {
        anyhow::ensure!(events.len() <= FOLD_BATCH, "fold at most {FOLD_BATCH} events at once");
        let mut ops = Vec::new();
        let mut shares: HashMap<String, (Option<OrderShare>, u64)> = HashMap::new();
        let mut months: BTreeMap<(String, String), (MonthRecord, u64)> = BTreeMap::new();
        let mut folded = 0;
        let mut seen = BTreeSet::new();
        for event in events {
            let marker = processed_marker(CONSUMER, event)?;
            if !seen.insert(event.id) || self.table.get(marker.key()).await?.is_some() {
                continue;
            }
            ops.push(marker);
            folded += 1;
            let order_id = event.partition_key.clone();
            if !shares.contains_key(&order_id) {
                let found = self.table.get(&share_key(&order_id)).await?;
                let entry = match found {
                    Some(item) => (Some(item.record::<OrderShare>()?), item.version),
                    None => (None, 0),
                };
                shares.insert(order_id.clone(), entry);
            }
            let (share, _) = shares.get_mut(&order_id).expect("loaded above");
            // (month, currency, net change, order count change)
            let delta = if event.is::<OrderConfirmed>() {
                let confirmed: OrderConfirmed = event.decode()?;
                match share {
                    None => {
                        let month = month_of(event.timestamp);
                        *share = Some(OrderShare {
                            share: Share::Counted,
                            month: month.clone(),
                            currency: confirmed.currency.clone(),
                            net_minor: confirmed.net_total_minor,
                        });
                        Some((month, confirmed.currency, confirmed.net_total_minor, 1i64))
                    }
                    Some(_) => None, // counted, withdrawn or cancelled before: nothing to add
                }
            } else if event.is::<OrderCancelled>() {
                match share {
                    Some(s) if s.share == Share::Counted => {
                        s.share = Share::Withdrawn;
                        Some((s.month.clone(), s.currency.clone(), -s.net_minor, -1))
                    }
                    Some(_) => None,
                    None => {
                        *share = Some(OrderShare {
                            share: Share::Tombstone,
                            month: month_of(event.timestamp),
                            currency: String::new(),
                            net_minor: 0,
                        });
                        None
                    }
                }
            } else {
                None
            };
            if let Some((month, currency, net, count)) = delta {
                let slot = (month.clone(), currency.clone());
                if !months.contains_key(&slot) {
                    let found = self.table.get(&month_key(&month, &currency)).await?;
                    let entry = match found {
                        Some(item) => (item.record::<MonthRecord>()?, item.version),
                        None => (MonthRecord { month, currency, ..MonthRecord::default() }, 0),
                    };
                    months.insert(slot.clone(), entry);
                }
                let (record, _) = months.get_mut(&slot).expect("loaded above");
                record.net_total_minor += net;
                record.order_count = record.order_count.saturating_add_signed(count);
            }
        }
        if folded == 0 {
            return Ok(0);
        }
        for (order_id, (share, version)) in shares {
            if let Some(share) = share {
                ops.push(WriteOp::Put {
                    item: Item::from_record(share_key(&order_id), &share)?,
                    condition: Condition::Version(version),
                });
            }
        }
        for ((month, currency), (record, version)) in months {
            ops.push(WriteOp::Put {
                item: Item::from_record(month_key(&month, &currency), &record)?,
                condition: Condition::Version(version),
            });
        }
        let status = Status { as_of: OffsetDateTime::now_utc() };
        ops.push(WriteOp::Put { item: Item::from_record(status_key(), &status)?, condition: Condition::None });
        self.table.transact_write(ops).await?;
        Ok(folded)
    }

    /// The last `months` calendar months up to `now`'s, from the view alone.
    pub async fn completed_orders(
        &self,
        months: u32,
        now: OffsetDateTime,
    ) -> Result<CompletedOrdersReport, StoreError> {
        let window = last_months(now, months);
        let (first, last) = (window.first().cloned().unwrap_or_default(), window.last().cloned().unwrap_or_default());
        let query = Query::partition(MONTHS)
            .sort_key(SortKeyCondition::Between(format!("{first}#"), format!("{last}#~")))
            .limit(1000);
        let page = self.table.query(query).await?;
        let records: Vec<MonthRecord> = page.items.iter().map(Item::record).collect::<Result<_, _>>()?;
        let mut currencies: BTreeSet<String> = records.iter().map(|r| r.currency.clone()).collect();
        if currencies.is_empty() {
            currencies.insert("USD".into());
        }
        let months = window
            .into_iter()
            .map(|month| MonthTotals {
                totals: currencies
                    .iter()
                    .map(|currency| {
                        let found = records.iter().find(|r| r.month == month && &r.currency == currency);
                        CurrencyTotal {
                            currency: currency.clone(),
                            net_total_minor: found.map_or(0, |r| r.net_total_minor),
                            order_count: found.map_or(0, |r| r.order_count),
                        }
                    })
                    .collect(),
                month,
            })
            .collect();
        let as_of = match self.table.get(&status_key()).await? {
            Some(item) => Some(item.record::<Status>()?.as_of.format(&Rfc3339).unwrap_or_default()),
            None => None,
        };
        Ok(CompletedOrdersReport { months, as_of })
    }
}

#[async_trait::async_trait]
impl app::reports::ssr::ReportsApi for Reports {
    async fn completed_orders(&self, months: u32) -> Result<CompletedOrdersReport, app::api::ErrorDetail> {
        let months = routes::parse_months(Some(&months.to_string())).map_err(|e| e.detail)?;
        self.completed_orders(months, OffsetDateTime::now_utc())
            .await
            .map_err(|e| crate::platform::http::ApiError::internal("reports store failed", &e).detail)
    }
}

pub struct ReportFolder(pub Arc<Reports>);

#[async_trait::async_trait]
impl Handler for ReportFolder {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn subscribes_to(&self) -> Vec<&'static str> {
        subscribes_to()
    }

    async fn handle(&self, event: &Envelope) -> anyhow::Result<()> {
        self.0.fold(std::slice::from_ref(event)).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_window_is_calendar_months_ending_with_this_one() {
        let months = last_months(datetime!(2026-02-10 12:00 UTC), 3);
        assert_eq!(months, ["2025-12", "2026-01", "2026-02"]);
        assert_eq!(last_months(datetime!(2026-11-22 0:00 UTC), 12).len(), 12);
    }
}
