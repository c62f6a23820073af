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

mod fold;
mod remote;
mod routes;
mod service;

pub use fold::ReportFolder;
pub use routes::router;
pub use service::SERVICE;

use crate::platform::store::{Item, Key, Query, SortKeyCondition, Store, StoreError, Table, TableSpec};
use app::reports::{CompletedOrdersReport, CurrencyTotal, MonthTotals};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
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
