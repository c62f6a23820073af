//! The reports micro-app's data: the completed-orders report.

use serde::{Deserialize, Serialize};

/// Months a report may cover.
pub const MAX_MONTHS: u32 = 36;

/// Net totals of one currency in one month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyTotal {
    pub currency: String,
    /// Sum of the orders' net totals (lines after discounts, no tax or shipping), minor units.
    pub net_total_minor: i64,
    pub order_count: u64,
}

/// One calendar month (UTC) of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthTotals {
    /// `YYYY-MM`
    pub month: String,
    /// One entry per currency seen in the report's window; zero when the month had none.
    pub totals: Vec<CurrencyTotal>,
}

/// `GET /api/reports/completed-orders?months=N`: the last N calendar months, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedOrdersReport {
    pub months: Vec<MonthTotals>,
    /// When the view last took in an event (RFC 3339, UTC); absent before the first.
    pub as_of: Option<String>,
}
