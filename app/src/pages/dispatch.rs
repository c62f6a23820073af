//! The dispatch micro-app (dispatchers and administrators): the queue of
//! shipping orders (oldest first, filter, pages) and a packing slip that
//! prints cleanly; one order, its lines ticked off as they are packed and
//! handed to the courier, is `dispatch_order.rs`.

use crate::components::{PrintButton, refused};
use crate::fulfilment::{LineStatus, ShippingOrderPage, ShippingOrderView, dispatch_order, dispatch_queue};
use crate::pages::shopper_message;
use crate::url::with_query;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn DispatchQueuePage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let page = crate::json::load(
        move || (param("status"), param("q"), param("cursor")),
        |(status, q, cursor)| dispatch_queue(status, q, cursor),
    );
    view! {
        <Title text="Dispatch · The Better Store"/>
        <h1>"Dispatch"</h1>
        <p><a href="/dispatch/returns">"Returns waiting for their items"</a></p>
        <form class="filter" method="get" action="/dispatch" role="search" aria-label="Filter shipping orders">
            <div class="field">
                <label for="q">"Order number or name"</label>
                <input id="q" name="q" value=move || param("q").unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="status">"Status"</label>
                <select id="status" name="status">
                    <option value="pending" selected=move || param("status").as_deref() != Some("processed")>"Pending"</option>
                    <option value="processed" selected=move || param("status").as_deref() == Some("processed")>"Processed"</option>
                </select>
            </div>
            <button class="button" type="submit">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading the queue…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => queue_view(p, param("status"), param("q")).into_any(),
                    Err(e) => refused(shopper_message(&e), "/dispatch"),
                }
            })}
        </Suspense>
    }
}

fn queue_view(page: ShippingOrderPage, status: Option<String>, q: Option<String>) -> impl IntoView {
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="queue-empty">"Nothing to dispatch here."</p> }.into_any();
    }
    let next = page.next_cursor.map(|cursor| {
        with_query("/dispatch", &[("status", status.as_deref()), ("q", q.as_deref()), ("cursor", Some(&cursor))])
    });
    let rows = page
        .items
        .into_iter()
        .map(|so| {
            let pending = so.lines.iter().filter(|l| l.status == LineStatus::Pending).count();
            let href = format!("/dispatch/{}", so.id);
            view! {
                <tr>
                    <td><a href=href>{so.order_number.clone()}</a></td>
                    <td data-label="Placed"><time datetime=so.created_at.clone()>{crate::words::readable_utc(&so.created_at)}</time></td>
                    <td data-label="Ship to">{so.address.name.clone()}</td>
                    <td data-label="Lines pending">{format!("{pending} of {}", so.lines.len())}</td>
                    <td data-label="Status">{so.status.label()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="queue stacked">
            <caption class="visually-hidden">"Shipping orders, oldest first"</caption>
            <thead><tr><th scope="col">"Order"</th><th scope="col">"Placed"</th><th scope="col">"Ship to"</th><th scope="col">"Lines pending"</th><th scope="col">"Status"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {next.map(|href| view! { <p><a class="button" href=href rel="next">"Next page"</a></p> })}
    }
    .into_any()
}

/// The shipping order the route's `:id` names, fetched again when `revision` changes.
pub(super) fn routed_order(revision: RwSignal<u64>) -> crate::json::Loaded<Result<ShippingOrderView, ServerFnError>> {
    let params = use_params_map();
    crate::json::load(
        move || (params.read().get("id").unwrap_or_default(), revision.get()),
        |(id, _)| dispatch_order(id),
    )
}

#[component]
pub fn PackingSlipPage() -> impl IntoView {
    let order = routed_order(RwSignal::new(0));
    view! {
        <Title text="Packing slip · The Better Store"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(so) => slip_view(so).into_any(),
                    Err(e) => refused(shopper_message(&e), "/dispatch"),
                }
            })}
        </Suspense>
    }
}

fn slip_view(so: ShippingOrderView) -> impl IntoView {
    let a = so.address.clone();
    let rows = so
        .lines
        .into_iter()
        .filter(|l| l.fulfilment == "physical")
        .map(|l| view! { <tr><td>{l.sku}</td><td>{l.name}</td><td class="num">{l.quantity}</td><td class="slip__tick" aria-hidden="true">"☐"</td></tr> })
        .collect_view();
    view! {
        <article class="slip">
            <header class="slip__head">
                <h1>"Packing slip"</h1>
                <p>"The Better Store · Order " <strong>{so.order_number}</strong> " · " {so.created_at.get(..10).unwrap_or_default().to_string()}</p>
                <PrintButton/>
            </header>
            <h2>"Ship to"</h2>
            <address class="address">{a.name}<br/>{a.line1}<br/>{(!a.line2.is_empty()).then(|| view! { {a.line2.clone()}<br/> })}{a.postal_code}" "{a.city}<br/>{a.country}</address>
            <table class="slip__lines">
                <thead><tr><th scope="col">"SKU"</th><th scope="col">"Item"</th><th scope="col">"Qty"</th><th scope="col">"Packed"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </article>
    }
}
