//! The dispatch micro-app (dispatchers and administrators): the queue of
//! shipping orders (oldest first, filter, pages), one order with its lines
//! to tick off as they are packed and handed to the courier (queued on the
//! device, so it works offline), and a packing slip that prints cleanly.

use crate::components::{PrintButton, refused};
use crate::device::{Device, NewChange};
use crate::fulfilment::{
    LineStatus, ProcessInput, ProcessLines, ShippingLineView, ShippingOrderPage, ShippingOrderView, dispatch_order,
    dispatch_queue,
};
use crate::pages::shopper_message;
use crate::url::with_query;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
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
fn routed_order(revision: RwSignal<u64>) -> crate::json::Loaded<Result<ShippingOrderView, ServerFnError>> {
    let params = use_params_map();
    crate::json::load(
        move || (params.read().get("id").unwrap_or_default(), revision.get()),
        |(id, _)| dispatch_order(id),
    )
}

#[component]
pub fn DispatchOrderPage() -> impl IntoView {
    let revision = RwSignal::new(0u64);
    let order = routed_order(revision);
    let sending = Sending::follow(revision);
    view! {
        <Title text="Shipping order · Dispatch · The Better Store"/>
        <p><a href="/dispatch">"← Dispatch queue"</a></p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(so) => order_view(so, sending).into_any(),
                    Err(e) => refused(shopper_message(&e), "/dispatch"),
                }
            })}
        </Transition>
    }
}

/// A processing change queued on the device (it works offline) and what
/// became of it: sent and saved, or refused (another dispatcher changed the
/// order first: 409), shown rather than lost.
#[derive(Clone, Copy)]
struct Sending {
    change: RwSignal<Option<String>>,
    outcome: RwSignal<Option<Result<(), String>>>,
}

impl Sending {
    fn follow(revision: RwSignal<u64>) -> Self {
        let sending = Self { change: RwSignal::new(None), outcome: RwSignal::new(None) };
        let device = expect_context::<Device>();
        Effect::new(move |_| {
            let Some(id) = sending.change.get() else { return };
            let Some(answer) = device.answer(&id) else { return };
            sending.change.set(None);
            sending.outcome.set(Some(answer));
            revision.update(|r| *r += 1);
        });
        sending
    }

    fn queue(self, id: &str, input: &ProcessInput, label: String) {
        let change = NewChange {
            kind: "dispatch",
            method: "POST",
            url: format!("/api/fulfilment/shipping-orders/{id}/process"),
            body: crate::json::encode(input).ok(),
            owner: None,
            label,
            cart: None,
        };
        self.outcome.set(None);
        expect_context::<Device>().queue_then(change, move |id| self.change.set(Some(id)));
    }
}

fn order_view(so: ShippingOrderView, sending: Sending) -> impl IntoView {
    let selected = RwSignal::new(Vec::<String>::new());
    let carrier = RwSignal::new(String::new());
    let tracking = RwSignal::new(String::new());
    let (id, version, number) = (so.id.clone(), so.version, so.order_number.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = ProcessInput {
            lines: selected.get_untracked(),
            carrier: carrier.get_untracked(),
            tracking_number: tracking.get_untracked(),
            expected_version: version,
        };
        sending.queue(&id, &input, format!("Order {number}: lines processed"));
    };
    // Saved: the form is ready for the next line at once, not only when the
    // page's fresh copy (which follows) replaces it.
    Effect::new(move |_| {
        if let Some(Ok(())) = sending.outcome.get() {
            selected.set(Vec::new());
            carrier.set(String::new());
            tracking.set(String::new());
        }
    });
    let any_pending = so.lines.iter().any(|l| l.status == LineStatus::Pending);
    let lines = so.lines.iter().enumerate().map(|(i, l)| line_item(i, l, selected)).collect_view();
    let outcome = outcome_notice(sending, so.status.label().to_lowercase());
    // Posted without JavaScript, the form comes back with the store's refusal.
    let refused = ServerAction::<ProcessLines>::new();
    let refusal = move || {
        let e = refused.value().get()?.err()?;
        Some(view! { <p class="notice notice--error" role="alert">{shopper_message(&e)}</p> })
    };
    let a = so.address.clone();
    view! {
        <h1>"Order " {so.order_number.clone()}</h1>
        <p data-testid="shipping-status">"Status: " <strong>{so.status.label()}</strong></p>
        <p><a href=format!("/dispatch/{}/slip", so.id)>"Packing slip"</a></p>
        <address class="address">{a.name}<br/>{a.line1}<br/>{(!a.line2.is_empty()).then(|| view! { {a.line2.clone()}<br/> })}{a.postal_code}" "{a.city}<br/>{a.country}</address>
        // Without JavaScript (or before it has loaded) the form is posted to
        // the server function that processes the lines.
        <form class="form-grid" method="post" action=ProcessLines::url() aria-label="Process lines" on:submit=submit>
            <input type="hidden" name="id" value=so.id.clone()/>
            <input type="hidden" name="expected_version" value=version.to_string()/>
            <ul class="dispatch-lines">{lines}</ul>
            {any_pending.then(|| view! {
                <div class="field"><label for="carrier">"Carrier"</label><input id="carrier" name="carrier" required prop:value=move || carrier.get() on:input=move |ev| carrier.set(event_target_value(&ev))/></div>
                <div class="field"><label for="tracking">"Tracking number"</label><input id="tracking" name="tracking_number" required prop:value=move || tracking.get() on:input=move |ev| tracking.set(event_target_value(&ev))/></div>
                <button class="button button--primary" type="submit" disabled=move || sending.change.get().is_some()>"Mark processed"</button>
            })}
            {outcome}
            {refusal}
        </form>
    }
}

/// Line `index` of the shipping order, with its box to tick while it is
/// pending (named `lines[index]`: the server function's `lines`).
fn line_item(index: usize, l: &ShippingLineView, selected: RwSignal<Vec<String>>) -> impl IntoView + use<> {
    let sku = l.sku.clone();
    let ticked = l.sku.clone();
    let pending = l.status == LineStatus::Pending;
    let label = format!("{} × {}", l.quantity, l.name);
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        let sku = sku.clone();
        selected.update(|s| {
            s.retain(|x| *x != sku);
            if on {
                s.push(sku);
            }
        });
    };
    let shipment = l
        .shipment
        .as_ref()
        .map(|s| format!("{} {}", s.carrier, s.tracking_number).trim().to_string())
        .unwrap_or_default();
    view! {
        <li class="dispatch-line" data-status=l.status.label()>
            <label>
                <input type="checkbox" name=format!("lines[{index}]") value=l.sku.clone() disabled=!pending prop:checked=move || selected.read().contains(&ticked) on:change=toggle/>
                " " {label}
            </label>
            <span class="dispatch-line__status">{l.status.label()}</span>
            <span class="dispatch-line__shipment">{shipment}</span>
        </li>
    }
}

/// What became of the last change: waiting offline, saving, refused or saved.
fn outcome_notice(sending: Sending, status: String) -> impl Fn() -> Option<AnyView> {
    let device = expect_context::<Device>();
    move || {
        match (sending.change.get(), sending.outcome.get()) {
        (Some(_), _) if !device.online.get() => Some(view! {
            <p class="notice" role="status" data-testid="dispatch-waiting">"You're offline: this is kept on this device and sent when you're back online."</p>
        }.into_any()),
        (Some(_), _) => Some(view! { <p class="notice" role="status">"Saving…"</p> }.into_any()),
        (None, Some(Err(message))) => Some(view! { <p class="notice notice--error" role="alert">{message}</p> }.into_any()),
        (None, Some(Ok(()))) => Some(view! { <p class="notice" role="status">{format!("Saved: the shipping order is {status}.")}</p> }.into_any()),
        (None, None) => None,
    }
    }
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
