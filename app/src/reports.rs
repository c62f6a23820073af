//! The reports micro-app's data: the completed-orders report.

use serde::{Deserialize, Serialize};

/// Months a report may cover.
pub const MAX_MONTHS: u32 = 36;

/// Net totals of one currency in one month.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyTotal {
    pub currency: String,
    /// Sum of the orders' net totals (lines after discounts, no tax or shipping), minor units.
    pub net_total_minor: i64,
    pub order_count: u64,
}

/// One calendar month (UTC) of the report.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthTotals {
    /// `YYYY-MM`
    pub month: String,
    /// One entry per currency seen in the report's window; zero when the month had none.
    pub totals: Vec<CurrencyTotal>,
}

/// `GET /api/reports/completed-orders?months=N`: the last N calendar months, oldest first.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = CompletedOrders))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedOrdersReport {
    pub months: Vec<MonthTotals>,
    /// When the view last took in an event (RFC 3339, UTC); absent before the first.
    pub as_of: Option<String>,
}

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// The completed-orders report (administrators only).
#[server(prefix = "/rpc", endpoint = "reports/completed-orders", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn load_completed_orders(months: u32) -> Result<CompletedOrdersReport, ServerFnError> {
    crate::account::ssr::require(crate::account::Role::Admin).await?;
    let reports = use_context::<ssr::SharedReports>().ok_or_else(|| ServerFnError::new("reports are not available"))?;
    reports.completed_orders(months).await.map_err(crate::rpc::to_server_error)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::api::ErrorDetail;
    use std::sync::Arc;

    #[async_trait::async_trait]
    pub trait ReportsApi: Send + Sync {
        async fn completed_orders(&self, months: u32) -> Result<CompletedOrdersReport, ErrorDetail>;
    }

    pub type SharedReports = Arc<dyn ReportsApi>;
}

/// The report as CSV: `month,currency,net_total,order_count` (net total in major units).
pub fn to_csv(report: &CompletedOrdersReport) -> String {
    let mut csv = String::from("month,currency,net_total,order_count\n");
    for m in &report.months {
        for t in &m.totals {
            let sign = if t.net_total_minor < 0 { "-" } else { "" };
            let abs = t.net_total_minor.unsigned_abs();
            csv.push_str(&format!(
                "{},{},{sign}{}.{:02},{}\n",
                m.month,
                t.currency,
                abs / 100,
                abs % 100,
                t.order_count
            ));
        }
    }
    csv
}
