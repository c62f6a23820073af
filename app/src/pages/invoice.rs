//! An order's invoice as a page (`/orders/{id}/invoice`): what the PDF
//! prints, readable on a phone and printable, with the PDF a tap away.
//! Its data comes with the order page's details, so the same rule decides
//! who may open it.

use crate::components::{PrintButton, refused};
use crate::invoices::{Invoice, Party, readable_rate};
use crate::money::format_money;
use crate::orders::{if_order_id, load_order_details};
use crate::pages::{NotFound, shopper_message};
use crate::words::readable_utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn InvoicePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let token = move || query.read().get("token");
    let details =
        crate::json::load(move || (id(), token()), |(id, token)| if_order_id(id, |id| load_order_details(id, token)));
    view! {
        <Title text="Invoice · The Better Store"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading the invoice…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Ok(Some(d)) => match d.invoice {
                        Some(invoice) => invoice_view(invoice, &d.token).into_any(),
                        None => not_yet(&d.order.id, &d.token).into_any(),
                    },
                    Err(e) => refused(shopper_message(&e), &format!("/orders/{}/invoice", id())),
                }
            })}
        </Suspense>
    }
}

/// An order not paid for yet (or paid a moment ago) has no invoice.
fn not_yet(order_id: &str, token: &str) -> impl IntoView + use<> {
    let order = crate::url::with_query(&format!("/orders/{order_id}"), &[("token", Some(token))]);
    view! {
        <h1>"Invoice"</h1>
        <p class="notice" role="status">"This order has no invoice yet: it is issued once the order is paid for."</p>
        <p><a href=order>"Back to the order"</a></p>
    }
}

fn invoice_view(invoice: Invoice, token: &str) -> impl IntoView + use<> {
    let money = |minor: i64| format_money(minor, &invoice.currency);
    let pdf = crate::url::with_query(&format!("/api/invoices/{}/pdf", invoice.order_id), &[("token", Some(token))]);
    let order = crate::url::with_query(&format!("/orders/{}", invoice.order_id), &[("token", Some(token))]);
    let rows = invoice
        .lines
        .iter()
        .map(|l| {
            view! {
                <tr>
                    <td>{l.description.clone()} <span class="invoice__sku">{format!(" ({})", l.sku)}</span></td>
                    <td class="num">{l.quantity}</td>
                    <td class="num">{money(l.unit_price_minor)}</td>
                    <td class="num">{money(l.net_minor)}</td>
                </tr>
            }
        })
        .collect_view();
    let tax_label = format!("Tax ({})", readable_rate(invoice.tax_rate_bps));
    view! {
        <article class="invoice" data-testid="invoice-page">
            <header class="invoice__head">
                {party(&invoice.seller)}
                <div>
                    <h1>"Invoice " <span data-testid="invoice-number">{invoice.number.clone()}</span></h1>
                    <p>"Issued " {readable_utc(&invoice.issued_at)} <br/> "Order " {invoice.order_number.clone()}</p>
                </div>
            </header>
            <h2>"Bill to"</h2>
            {party(&invoice.buyer)}
            <table class="invoice__lines">
                <thead><tr><th scope="col">"Item"</th><th scope="col" class="num">"Qty"</th><th scope="col" class="num">"Unit price"</th><th scope="col" class="num">"Amount"</th></tr></thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr><th scope="row" colspan="3">"Subtotal"</th><td class="num">{money(invoice.net_minor)}</td></tr>
                    <tr><th scope="row" colspan="3">"Shipping"</th><td class="num">{money(invoice.shipping_minor)}</td></tr>
                    <tr><th scope="row" colspan="3">{tax_label}</th><td class="num">{money(invoice.tax_minor)}</td></tr>
                    <tr class="invoice__total"><th scope="row" colspan="3">"Total"</th><td class="num">{money(invoice.gross_minor)}</td></tr>
                </tfoot>
            </table>
            <p>"Paid in full by card. Amounts in " {invoice.currency.clone()} "."</p>
            <p class="no-print">
                <a class="button button--primary" href=pdf download=invoice.file_name()>"Download PDF"</a> " "
                <PrintButton/> " "
                <a href=order>"Back to the order"</a>
            </p>
        </article>
    }
}

fn party(who: &Party) -> impl IntoView + use<> {
    let lines = who.address.iter().map(|line| view! { {line.clone()}<br/> }).collect_view();
    let tax_id = (!who.tax_id.is_empty()).then(|| format!("Tax id {}", who.tax_id));
    view! { <address class="address"><strong>{who.name.clone()}</strong><br/>{lines}{tax_id}</address> }
}
