//! Paying for a placed order (the card form; paying needs a connection and
//! card details are never kept on the device) and the confirmation page,
//! both following the order as it moves on.

use super::Field;
use crate::api::ErrorDetail;
use crate::components::{OrderSummary, refusal};
use crate::device::Device;
use crate::orders::{CardInput, OrderStatus, OrderView, PayOrder, PayOutcome, get_order};
use crate::pages::shopper_message;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

/// Re-runs `tick` every `ms` milliseconds in the browser while the page is open.
fn poll_every(ms: u64, tick: impl Fn() + Clone + 'static) {
    Effect::new(move |_| {
        let tick = tick.clone();
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_millis(ms)) {
            on_cleanup(move || handle.clear());
        }
    });
}

/// The order named by the route's `:id`, refetched every second while `keep_polling` says so.
fn polled_order(keep_polling: fn(&OrderView) -> bool) -> crate::json::Loaded<Result<Option<OrderView>, ServerFnError>> {
    let params = use_params_map();
    let tick = RwSignal::new(0u64);
    let order =
        crate::json::load(move || (params.read().get("id").unwrap_or_default(), tick.get()), |(id, _)| get_order(id));
    poll_every(1000, move || {
        let polling = order.get_untracked().and_then(Result::ok).flatten().is_none_or(|o| keep_polling(&o));
        if polling {
            tick.update(|t| *t += 1);
        }
    });
    order
}

/// The polled order rendered by `render` (kept on screen while it refreshes).
#[component]
fn OrderLoaded(
    order: crate::json::Loaded<Result<Option<OrderView>, ServerFnError>>,
    render: fn(OrderView) -> AnyView,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading your order…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(Some(o)) => render(o),
                    Ok(None) => view! { <p class="error" role="alert">"We have no such order."</p> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{shopper_message(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn PayPage() -> impl IntoView {
    let order =
        polled_order(|o| o.status == OrderStatus::PendingPayment && (!o.stock_reserved || o.payment_in_progress));
    view! {
        <Title text="Payment · The Better Store"/>
        <h1>"Payment"</h1>
        <OrderLoaded order render=|o| pay_view(o).into_any()/>
    }
}

fn pay_view(order: OrderView) -> impl IntoView {
    let id = order.id.clone();
    let body = match order.status {
        OrderStatus::Confirmed | OrderStatus::Processed => view! {
            <p class="notice notice--ok">"This order is paid for. " <a href=format!("/orders/{id}/confirmation")>"See your order"</a></p>
        }.into_any(),
        OrderStatus::Cancelled => view! {
            <p class="notice notice--error" role="alert">"This order was cancelled: " {order.cancel_reason.clone().unwrap_or_default()}</p>
        }.into_any(),
        OrderStatus::PendingPayment if !order.stock_reserved => view! {
            <p class="status" role="status">"Setting your items aside…"</p>
        }.into_any(),
        OrderStatus::PendingPayment => view! {
            {order.payment_error.clone().map(|reason| view! {
                <p class="notice notice--error" role="alert" data-testid="payment-error">"Payment declined: " {reason}</p>
            })}
            <CardForm order_id=id.clone() amount=crate::money::format_money(order.totals.gross_minor, &order.currency)/>
        }.into_any(),
    };
    view! {
        <div class="checkout">
            <div>
                <p>"Order " <strong data-testid="order-number">{order.number.clone()}</strong></p>
                {body}
            </div>
            <OrderSummary lines=order.lines.clone() totals=order.totals currency=order.currency.clone()/>
        </div>
    }
}

#[component]
fn CardForm(order_id: String, amount: String) -> impl IntoView {
    let number = RwSignal::new(String::new());
    let expiry = RwSignal::new(String::new());
    let cvc = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<ErrorDetail>::new());
    let pay = ServerAction::<PayOrder>::new();
    let device = expect_context::<Device>();
    let navigate = use_navigate();
    let target = format!("/orders/{order_id}/confirmation");
    Effect::new(move |_| match pay.value().get() {
        Some(Ok(PayOutcome::Submitted)) => navigate(&target, Default::default()),
        Some(Ok(PayOutcome::Invalid(found))) => problems.set(found),
        _ => {}
    });
    let failure = move || match pay.value().get() {
        Some(Err(e)) => Some(refusal(&e)),
        _ => None,
    };
    let order_id_field = order_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let card =
            CardInput { number: number.get_untracked(), expiry: expiry.get_untracked(), cvc: cvc.get_untracked() };
        let today = js_today();
        let found = card.problems(today);
        problems.set(found.clone());
        if found.is_empty() {
            pay.dispatch(PayOrder { order_id: order_id.clone(), card });
        }
    };
    view! {
        // Without JavaScript (or before it has loaded) the card goes to the
        // server function in the request's body: never in a URL.
        <form class="form-grid" method="post" action=PayOrder::url() on:submit=submit novalidate=true aria-label="Card payment">
            <input type="hidden" name="order_id" value=order_id_field/>
            <p class="hint">"Test cards: 4242 4242 4242 4242 is approved, 4000 0000 0000 0002 is declined."</p>
            <Field id="card-number" label="Card number" of="card" field="number" value=number problems autocomplete="cc-number"/>
            <Field id="card-expiry" label="Expiry (MM/YY)" of="card" field="expiry" value=expiry problems autocomplete="cc-exp"/>
            <Field id="card-cvc" label="Security code (CVC)" of="card" field="cvc" value=cvc problems autocomplete="cc-csc"/>
            {failure}
            <Show when=move || !device.online.get()>
                <p class="notice" role="status" data-testid="pay-offline">
                    "Paying needs a connection. Your card details are never kept on this device; pay when you're back online."
                </p>
            </Show>
            <button class="button button--primary" type="submit" disabled=move || pay.pending().get() || !device.online.get()>
                "Pay " {amount}
            </button>
        </form>
    }
}

/// This month as (year, month), in UTC, from the browser's clock.
fn js_today() -> (u32, u32) {
    #[cfg(feature = "hydrate")]
    {
        let now = js_sys::Date::new_0();
        return (now.get_utc_full_year(), now.get_utc_month() + 1);
    }
    #[allow(unreachable_code)]
    (1970, 1)
}

#[component]
pub fn ConfirmationPage() -> impl IntoView {
    let order = polled_order(|o| match o.status {
        OrderStatus::PendingPayment => true,
        OrderStatus::Confirmed => !o.receipt_sent || o.shipping_status.is_none(),
        OrderStatus::Cancelled | OrderStatus::Processed => false,
    });
    view! {
        <Title text="Thank you · The Better Store"/>
        <OrderLoaded order render=|o| confirmation_view(o).into_any()/>
    }
}

fn confirmation_view(order: OrderView) -> impl IntoView {
    // A declined card goes back to payment, where the reason is shown.
    if order.status == OrderStatus::PendingPayment && order.payment_error.is_some() && !order.payment_in_progress {
        let navigate = use_navigate();
        let target = format!("/checkout/{}/pay", order.id);
        Effect::new(move |_| navigate(&target, Default::default()));
    }
    let heading = match order.status {
        OrderStatus::Confirmed | OrderStatus::Processed => "Thank you for your order!",
        OrderStatus::Cancelled => "Your order was cancelled",
        OrderStatus::PendingPayment => "Thank you! We are confirming your payment",
    };
    let a = order.shipping_address.clone();
    view! {
        <div class="checkout">
            <div>
                <h1>{heading}</h1>
                <p>"Order number " <strong data-testid="order-number">{order.number.clone()}</strong></p>
                <p class="status" role="status" aria-live="polite" data-testid="order-status">{order.status.label()}</p>
                {order.cancel_reason.clone().map(|r| view! { <p class="notice notice--error">{r}</p> })}
                {order.receipt_sent.then(|| view! {
                    <p data-testid="receipt-sent">"A receipt is on its way to " {order.email.clone()} "."</p>
                })}
                {order.shipping_status.clone().map(|s| view! {
                    <p data-testid="shipping-status">"Shipping order: " {s}</p>
                })}
                <h2>"Shipping to"</h2>
                <address>
                    {a.name} <br/> {a.line1} <br/>
                    {(!a.line2.is_empty()).then(|| view! { {a.line2.clone()} <br/> })}
                    {a.city} " " {a.postal_code} <br/> {a.country}
                </address>
            </div>
            <OrderSummary lines=order.lines.clone() totals=order.totals currency=order.currency.clone()/>
        </div>
    }
}
