//! The invoices API, mounted at `/api/invoices`: an order's invoice and its
//! credit notes as JSON and as PDF downloads, for whoever may read the order.

use super::{Invoices, pdf};
use crate::platform::access::{Access, Guarded, may_read_order};
use crate::platform::extract::LinkToken;
use crate::platform::http::ApiError;
use crate::platform::json::Json;
use crate::platform::signing::OrderLinks;
use app::account::SignedIn;
use app::api::ErrorBody;
use app::invoices::Invoice;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
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
        .route(Access::OrderHolder, routes!(credit_note))
        .route(Access::OrderHolder, routes!(credit_note_pdf))
        .with_state(InvoicesApi { invoices, links })
}

/// Who asks for which order's documents.
struct Asking<'a> {
    caller: &'a SignedIn,
    order_id: &'a str,
    token: Option<&'a str>,
}

impl InvoicesApi {
    /// Order `id`'s invoice, if `caller` (or the link `token`) may read the order.
    async fn readable(&self, caller: &SignedIn, id: &str, token: Option<&str>) -> Result<Invoice, ApiError> {
        let found = self.invoices.find(id).await;
        let why = || format!("order {id} has no invoice: one is issued when an order is paid for");
        self.may_read(found, Asking { caller, order_id: id, token }, ("invoice_not_found", why))
    }

    /// Return `return_id`'s credit note of order `id`, if the caller may read the order.
    async fn readable_credit(&self, asking: Asking<'_>, return_id: &str) -> Result<Invoice, ApiError> {
        let found = self.invoices.find_credit_note(asking.order_id, return_id).await;
        let why = || format!("no credit note for return {return_id}: one is issued when its refund is");
        self.may_read(found, asking, ("credit_note_not_found", why))
    }

    /// The document `found`, if it exists and `asking` may read its order.
    fn may_read(
        &self,
        found: Result<Option<(Invoice, Option<String>)>, crate::platform::store::StoreError>,
        asking: Asking<'_>,
        (code, why): (&'static str, impl FnOnce() -> String),
    ) -> Result<Invoice, ApiError> {
        let found = found.map_err(|e| ApiError::internal("invoices store failed", &e))?;
        let Some((document, account)) = found else {
            return Err(ApiError::new(StatusCode::NOT_FOUND, code, why()));
        };
        let token = asking.token.is_some_and(|t| self.links.matches(asking.order_id, t));
        may_read_order(account.as_deref(), asking.caller, token)?;
        Ok(document)
    }
}

/// A document as a PDF download named after its number.
fn pdf_download(document: &Invoice) -> impl IntoResponse + use<> {
    let disposition = format!("attachment; filename=\"{}\"", document.file_name());
    (
        [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        pdf::render(document),
    )
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
    Ok(pdf_download(&api.readable(&caller, &id, param.token.as_deref()).await?))
}

/// A credit note of the order: a return's refund (owner, staff or link token).
///
/// The returned lines, their tax, the shipping when refunded, what went
/// back (`gross_minor`), and the invoice it credits (`credits`).
#[utoipa::path(
    get,
    path = "/{id}/credit-notes/{return_id}",
    tag = "invoices",
    params(
        ("id" = String, Path, description = "the order id"),
        ("return_id" = String, Path, description = "the return whose refund it records"),
        LinkToken,
    ),
    responses(
        (status = 200, description = "the credit note", body = Invoice),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not the order's holder", body = ErrorBody),
        (status = 404, description = "no credit note for this return (`credit_note_not_found`): not refunded yet, or no such return", body = ErrorBody),
    )
)]
async fn credit_note(
    State(api): State<InvoicesApi>,
    Extension(caller): Extension<SignedIn>,
    Path((id, return_id)): Path<(String, String)>,
    Query(param): Query<LinkToken>,
) -> Result<Json<Invoice>, ApiError> {
    let asking = Asking { caller: &caller, order_id: &id, token: param.token.as_deref() };
    Ok(Json(api.readable_credit(asking, &return_id).await?))
}

/// A credit note of the order as a PDF download (owner, staff or link token).
///
/// An A4 PDF named after the credit note's number (`CN-2026-000007.pdf`).
#[utoipa::path(
    get,
    path = "/{id}/credit-notes/{return_id}/pdf",
    tag = "invoices",
    params(
        ("id" = String, Path, description = "the order id"),
        ("return_id" = String, Path, description = "the return whose refund it records"),
        LinkToken,
    ),
    responses(
        (status = 200, description = "the PDF", body = Vec<u8>, content_type = "application/pdf"),
        (status = 401, description = "not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "not the order's holder", body = ErrorBody),
        (status = 404, description = "no credit note for this return (`credit_note_not_found`)", body = ErrorBody),
    )
)]
async fn credit_note_pdf(
    State(api): State<InvoicesApi>,
    Extension(caller): Extension<SignedIn>,
    Path((id, return_id)): Path<(String, String)>,
    Query(param): Query<LinkToken>,
) -> Result<impl IntoResponse, ApiError> {
    let asking = Asking { caller: &caller, order_id: &id, token: param.token.as_deref() };
    Ok(pdf_download(&api.readable_credit(asking, &return_id).await?))
}
