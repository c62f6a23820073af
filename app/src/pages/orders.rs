//! The orders micro-app: "My orders", and an order's page with its
//! timeline, lines, totals, shipment and invoice, updated live while it is open
//! (server-sent events from the tracking service). Guests reach their order
//! through the link in the receipt e-mail (`?token=`).

use crate::components::{OrderSummary, refused};
use crate::fulfilment::LineStatus;
use crate::invoices::Invoice;
use crate::money::format_money;
use crate::orders::{OrderDetails, OrderView, if_order_id, load_order_details, my_orders};
use crate::pages::{NotFound, shopper_message};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn MyOrdersPage() -> impl IntoView {
    let orders = crate::json::load(|| (), |_| my_orders());
    view! {
        <Title text="My orders · The Better Store"/>
        <h1>"My orders"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading your orders…"</p> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No orders yet. " <a href="/">"Start shopping"</a></p> }.into_any(),
                    Ok(list) => orders_list(list).into_any(),
                    Err(e) => refused(shopper_message(&e), "/orders"),
                }
            })}
        </Suspense>
    }
}

fn orders_list(list: Vec<OrderView>) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|o| {
            let href = format!("/orders/{}", o.id);
            view! {
                <tr>
                    <td><a href=href>{o.number.clone()}</a></td>
                    <td>{o.placed_at.get(..10).unwrap_or_default().to_string()}</td>
                    <td>{o.status.label()}</td>
                    <td class="num">{format_money(o.totals.gross_minor, &o.currency)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="queue my-orders">
            <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Status"</th><th scope="col">"Total"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let token = move || query.read().get("token");
    let revision = RwSignal::new(0u64);
    let details = crate::json::load(
        move || (id(), token(), revision.get()),
        |(id, token, _)| if_order_id(id, |id| load_order_details(id, token)),
    );
    // The order shown is followed with the token the store gives whoever may
    // read it (a guest who placed it in this browser has no link; a link
    // whose token opens nothing opens no stream either), kept while the
    // details are read again so the stream stays open.
    let shown = Memo::new(move |was: Option<&Option<(String, String)>>| {
        let loaded = details.get().and_then(Result::ok).flatten().map(|d| (d.order.id, d.token));
        loaded.or_else(|| was.cloned().flatten())
    });
    follow_live(shown, revision);
    view! {
        <Title text="Your order · The Better Store"/>
        <Transition fallback=|| view! { <p class="loading">"Loading your order…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(Some(d)) => order_view(d).into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(e) => refused(shopper_message(&e), &format!("/orders/{}", id())),
                }
            })}
        </Transition>
    }
}

/// While the page is open and the store answers, listen to the live updates
/// of the order `shown` (its id and token, once loaded) and refetch its
/// details on each one. The stream is dropped while the store can't be
/// reached and opened again when it can; every reopening refetches the
/// details, so what happened in between is caught up on.
#[allow(unused_variables)]
fn follow_live(shown: Memo<Option<(String, String)>>, revision: RwSignal<u64>) {
    #[cfg(feature = "hydrate")]
    {
        let device = expect_context::<crate::device::Device>();
        Effect::new(move |_| {
            use gloo_events::EventListener;
            let (Some((id, token)), true) = (shown.get(), device.online.get()) else { return };
            let url = crate::url::with_query(
                &format!("/api/tracking/orders/{id}/events"),
                &[("token", Some(token.as_str()))],
            );
            let Ok(source) = web_sys::EventSource::new(&url) else { return };
            // (Re)opened, a new entry, or told to catch up: read the order again.
            let listeners: Vec<_> = ["open", "timeline", "resync"]
                .into_iter()
                .map(|name| EventListener::new(&source, name, move |_| revision.update(|r| *r += 1)))
                .collect();
            let live = send_wrapper::SendWrapper::new((source, listeners));
            on_cleanup(move || live.0.close());
        });
    }
}

fn order_view(d: OrderDetails) -> impl IntoView {
    let o = d.order.clone();
    let a = o.shipping_address.clone();
    let partial = (!d.partial.is_empty()).then(|| {
        view! { <p class="notice" role="status">{format!("Some details are unavailable right now: {}.", d.partial.join(", "))}</p> }
    });
    let timeline = d.timeline.map(|t| {
        t.entries
            .into_iter()
            .map(|e| {
                let when = e.at.get(..16).unwrap_or_default().replace('T', " ");
                view! {
                    <li class="timeline__entry" data-kind=e.kind.clone()>
                        <strong>{e.title}</strong>
                        {(!e.detail.is_empty()).then(|| view! { <span class="timeline__detail">" — " {e.detail.clone()}</span> })}
                        <time datetime=e.at.clone()>{when}" UTC"</time>
                    </li>
                }
            })
            .collect_view()
    });
    let sent_any = d.shipment.as_ref().is_some_and(|s| s.lines.iter().any(|l| l.status == LineStatus::Processed));
    let returning = sent_any.then(|| {
        let href = crate::url::with_query(&format!("/orders/{}/return", o.id), &[("token", Some(&d.token))]);
        view! { <p><a class="button" href=href data-testid="return-link">"Return items"</a></p> }
    });
    let shipment = d.shipment.map(|s| {
        let lines = s
            .lines
            .into_iter()
            .map(|l| {
                let how = l.shipment.map(|sh| format!("{} {}", sh.carrier, sh.tracking_number).trim().to_string()).unwrap_or_default();
                view! { <li data-testid="shipment-line">{format!("{} × {}", l.quantity, l.name)}" — " <strong>{l.status.label()}</strong>" "{how}</li> }
            })
            .collect_view();
        view! {
            <h2>"Shipment"</h2>
            <p data-testid="shipment-status">"Shipping order: " <strong>{s.status.label()}</strong></p>
            <ul class="shipment">{lines}</ul>
        }
    });
    let payment = d.payment.map(|p| {
        view! { <p>"Payment: " {p.status}" · "{format_money(p.amount_minor, &p.currency)}</p> }
    });
    let invoice = d.invoice.map(|i| invoice_links(&i, &d.token));
    view! {
        <div class="checkout">
            <div>
                <h1>"Order " {o.number.clone()}</h1>
                <p data-testid="order-status">"Status: " <strong>{o.status.label()}</strong></p>
                {partial}
                {payment}
                {invoice}
                <h2>"Timeline"</h2>
                <ol class="timeline" aria-live="polite">{timeline}</ol>
                {shipment}
                {returning}
                <h2>"Delivery address"</h2>
                <address class="address">{a.name}<br/>{a.line1}<br/>{a.postal_code}" "{a.city}<br/>{a.country}</address>
            </div>
            <OrderSummary lines=o.lines.clone() totals=o.totals currency=o.currency.clone()/>
        </div>
    }
}

/// The order's invoice: its number, its page and its PDF, both reached with
/// the order's link token (so a guest's links work in any browser).
fn invoice_links(invoice: &Invoice, token: &str) -> impl IntoView + use<> {
    let token = Some(token);
    let page = crate::url::with_query(&format!("/orders/{}/invoice", invoice.order_id), &[("token", token)]);
    let pdf = crate::url::with_query(&format!("/api/invoices/{}/pdf", invoice.order_id), &[("token", token)]);
    let credit_notes = invoice
        .credit_notes
        .iter()
        .map(|note| {
            let path = format!("/api/invoices/{}/credit-notes/{}/pdf", invoice.order_id, note.return_id);
            let pdf = crate::url::with_query(&path, &[("token", token)]);
            view! {
                <p data-testid="credit-note">
                    "Credit note " <strong>{note.number.clone()}</strong> " · "
                    {format_money(note.gross_minor, &invoice.currency)} " refunded · "
                    <a href=pdf download=format!("{}.pdf", note.number)>"Download credit note"</a>
                </p>
            }
        })
        .collect_view();
    view! {
        <p data-testid="invoice">
            "Invoice " <strong>{invoice.number.clone()}</strong> " · "
            <a href=page>"View invoice"</a> " · "
            <a href=pdf download=invoice.file_name()>"Download PDF"</a>
        </p>
        {credit_notes}
    }
}
