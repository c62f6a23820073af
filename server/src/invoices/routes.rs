//! The invoices API, mounted at `/api/invoices`: an order's invoice as JSON
//! and as a PDF download, for whoever may read the order.

use super::{Invoices, pdf};
use crate::platform::access::{Access, Guarded, may_read_order};
use crate::platform::extract::LinkToken;
use crate::platform::http::ApiError;
use crate::platform::signing::OrderLinks;
use app::account::SignedIn;
use app::api::ErrorBody;
use app::invoices::Invoice;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use std::sync::Arc;
use utoipa_axum::routes;

#[derive(Clone)]
struct InvoicesApi {
    invoices: Arc<Invoices>,
    links: OrderLinks,
}

pub fn router<S: Clone + Send + Sync + 'static>(invoices: Arc<Invoices>, links: OrderLinks) -> Guarded<S> {
    Guarded::new()
        .route(Access::OrderHolder, routes!(invoice))
        .route(Access::OrderHolder, routes!(invoice_pdf))
        .with_state(InvoicesApi { invoices, links })
}

impl InvoicesApi {
    /// Order `id`'s invoice, if `caller` (or the link `token`) may read the order.
    async fn readable(&self, caller: &SignedIn, id: &str, token: Option<&str>) -> Result<Invoice, ApiError> {
        let found = self.invoices.find(id).await.map_err(|e| ApiError::internal("invoices store failed", &e))?;
        let Some((invoice, account)) = found else {
            let why = format!("order {id} has no invoice: one is issued when an order is paid for");
            return Err(ApiError::new(StatusCode::NOT_FOUND, "invoice_not_found", why));
        };
        may_read_order(account.as_deref(), caller, token.is_some_and(|t| self.links.matches(id, t)))?;
        Ok(invoice)
    }
}

/// The order's invoice (owner, staff or link token).
///
/// The invoice of a paid order: its number, seller, buyer, lines, tax and totals.
#[utoipa::path(
    get,
    path = "/{id}",
    tag = "invoices",
    params(
        ("id" = String, Path, description = "the order id"),
        LinkToken,
    ),
    responses(
        (status = 200, description = "the invoice", body = Invoice),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not the order's holder", body = ErrorBody),
        (status = 404, description = "no invoice for this order (`invoice_not_found`): not paid for, or no such order", body = ErrorBody),
    )
)]
async fn invoice(
    State(api): State<InvoicesApi>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<LinkToken>,
) -> Result<Json<Invoice>, ApiError> {
    Ok(Json(api.readable(&caller, &id, param.token.as_deref()).await?))
}

/// The order's invoice as a PDF download (owner, staff or link token).
///
/// An A4 PDF named after the invoice's number (`INV-2026-000123.pdf`).
#[utoipa::path(
    get,
    path = "/{id}/pdf",
    tag = "invoices",
    params(
        ("id" = String, Path, description = "the order id"),
        LinkToken,
    ),
    responses(
        (status = 200, description = "the PDF", body = Vec<u8>, content_type = "application/pdf"),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not the order's holder", body = ErrorBody),
        (status = 404, description = "no invoice for this order (`invoice_not_found`): not paid for, or no such order", body = ErrorBody),
    )
)]
async fn invoice_pdf(
    State(api): State<InvoicesApi>,
    Extension(caller): Extension<SignedIn>,
    Path(id): Path<String>,
    Query(param): Query<LinkToken>,
) -> Result<impl IntoResponse, ApiError> {
    let invoice = api.readable(&caller, &id, param.token.as_deref()).await?;
    let disposition = format!("attachment; filename=\"{}\"", invoice.file_name());
    Ok((
        [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        pdf::render(&invoice),
    ))
}
