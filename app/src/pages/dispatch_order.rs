//! One shipping order in the dispatch micro-app: its lines to tick off as
//! they are packed and handed to the courier, the change queued on the
//! device (so it works offline) and what became of it.

use super::dispatch::routed_order;
use crate::components::{refusal, refused};
use crate::device::{Device, NewChange};
use crate::fulfilment::{LineStatus, ProcessInput, ProcessLines, ShippingLineView, ShippingOrderView};
use crate::pages::shopper_message;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

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
        Some(refusal(&e))
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
