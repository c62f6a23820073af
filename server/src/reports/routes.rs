//! The reports REST API, mounted at `/api/reports`: administrators only.

use super::Reports;
use crate::platform::access::{Access, Guarded};
use crate::platform::extract::ApiQuery;
use crate::platform::http::ApiError;
use crate::platform::json::Json;
use app::account::Role;
use app::api::ErrorBody;
use app::reports::{CompletedOrdersReport, MAX_MONTHS};
use axum::extract::State;
use serde::Deserialize;
use std::sync::Arc;
use utoipa_axum::routes;

pub fn router<S: Clone + Send + Sync + 'static>(reports: Arc<Reports>) -> Guarded<S> {
    Guarded::new().route(Access::Role(Role::Admin), routes!(completed_orders)).with_state(reports)
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

/// Net totals and order counts per calendar month (UTC) and currency, oldest first; months without orders as zeros.
#[utoipa::path(
    get,
    path = "/completed-orders",
    tag = "reports",
    params(
        ("months" = Option<u32>, Query, description = "1–36, default 12", minimum = 1, maximum = 36),
    ),
    responses(
        (status = 200, description = "the report", body = CompletedOrdersReport),
        (status = 400, description = "a bad `months`", body = ErrorBody),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "signed in without the role (`forbidden`)", body = ErrorBody),
    )
)]
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
