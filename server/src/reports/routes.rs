//! The reports REST API, mounted at `/api/reports`: administrators only.

use super::Reports;
use crate::platform::access::{Access, Guarded};
use crate::platform::extract::ApiQuery;
use crate::platform::http::ApiError;
use app::account::Role;
use app::reports::{CompletedOrdersReport, MAX_MONTHS};
use axum::Json;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;
use std::sync::Arc;

pub fn router<S: Clone + Send + Sync + 'static>(reports: Arc<Reports>) -> Guarded<S> {
    Guarded::new().route("/completed-orders", Access::Role(Role::Admin), get(completed_orders)).with_state(reports)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    months: Option<String>,
}

/// Parses `months` (1..=36, default 12).
pub fn parse_months(raw: Option<&str>) -> Result<u32, ApiError> {
    let Some(raw) = raw else { return Ok(12) };
    raw.trim().parse::<u32>().ok().filter(|n| (1..=MAX_MONTHS).contains(n)).ok_or_else(|| {
        ApiError::invalid_field("months", format!("months must be a whole number from 1 to {MAX_MONTHS}"))
    })
}

/// `GET /api/reports/completed-orders?months=12`
async fn completed_orders(
    State(reports): State<Arc<Reports>>,
    ApiQuery(params): ApiQuery<Params>,
) -> Result<Json<CompletedOrdersReport>, ApiError> {
    let months = parse_months(params.months.as_deref())?;
    let report = reports
        .completed_orders(months, time::OffsetDateTime::now_utc())
        .await
        .map_err(|e| ApiError::internal("reports store failed", &e))?;
    Ok(Json(report))
}
