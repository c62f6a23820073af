//! The checkout micro-app: contact and shipping details with field-level
//! validation, the order summary, then card payment, then the confirmation.

mod draft;

use crate::api::ErrorDetail;
use crate::cart::ShownCart;
use crate::components::{CartRevision, OrderSummary};
use crate::device::{Device, NewChange};
use crate::orders::{CardInput, OrderLineView, OrderStatus, OrderView, PayOrder, PayOutcome, Totals, get_order};
use crate::pages::shopper_message;
use draft::Draft;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

/// A fresh order id, chosen by the client so a retried submit is the same order.
fn new_order_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
            return crypto.random_uuid();
        }
    }
    String::new()
}

/// The message for `field` among `problems`, if any.
fn problem_for(problems: &[ErrorDetail], field: &str) -> Option<String> {
    problems.iter().find(|p| p.field.as_deref() == Some(field)).map(|p| p.message.clone())
}

#[component]
fn Field(
    id: &'static str,
    label: &'static str,
    field: &'static str,
    value: RwSignal<String>,
    problems: RwSignal<Vec<ErrorDetail>>,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
) -> impl IntoView {
    let error = move || problem_for(&problems.read(), field);
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type=kind.unwrap_or("text")
                autocomplete=autocomplete.unwrap_or("on")
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=described
            />
            {move || error().map(|message| view! { <p class="field__error" id=error_id.clone() role="alert">{message}</p> })}
        </div>
    }
}

#[component]
pub fn CheckoutPage() -> impl IntoView {
    let shown = expect_context::<ShownCart>();
    let placing = Placing::new();
    view! {
        <Title text="Checkout · The Better Store"/>
        <h1>"Checkout"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading your cart…"</p> }>
            {move || shown.get().map(|cart| match cart {
                Ok(cart) if cart.lines.is_empty() => view! {
                    <p class="empty">"Your cart is empty. " <a href="/">"Find something good"</a></p>
                }.into_any(),
                Ok(cart) => {
                    let lines = cart.lines.iter().map(|l| OrderLineView {
                        sku: l.sku.clone(),
                        name: l.name.clone(),
                        quantity: l.quantity,
                        unit_price_minor: l.unit_price.amount_minor,
                        line_total_minor: l.line_total.amount_minor,
                    }).collect::<Vec<_>>();
                    let totals = Totals::for_net(cart.subtotal.amount_minor);
                    view! {
                        <div class="checkout">
                            <CheckoutForm placing/>
                            <OrderSummary lines totals currency=cart.subtotal.currency.clone()/>
                        </div>
                    }.into_any()
                }
                Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// The contact and shipping form. What is typed is kept on the device as a
/// draft; placing the order queues `PUT /api/orders/{id}` (the id chosen
/// here, so sending it again is the same order) behind any cart edits still
/// waiting, and the shopper goes on to payment once the store has it.
/// The form's state, made once per page (the form itself is drawn again
/// when the cart changes, without losing what was typed).
#[derive(Clone, Copy)]
struct Placing {
    draft: Draft,
    problems: RwSignal<Vec<ErrorDetail>>,
    order_id: StoredValue<String>,
    /// The queued order's change id, until the store answered it.
    change: RwSignal<Option<String>>,
    failure: RwSignal<Option<String>>,
}

impl Placing {
    fn new() -> Self {
        let placing = Self {
            draft: Draft::new(),
            problems: RwSignal::new(Vec::new()),
            order_id: StoredValue::new(String::new()),
            change: RwSignal::new(None),
            failure: RwSignal::new(None),
        };
        let device = expect_context::<Device>();
        let revision = expect_context::<CartRevision>();
        let navigate = use_navigate();
        Effect::new(move |_| {
            let Some(id) = placing.change.get() else { return };
            let Some(answer) = device.answer(&id) else { return };
            placing.change.set(None);
            if let Err(message) = answer {
                placing.failure.set(Some(message));
                return;
            }
            placing.draft.forget();
            revision.bump();
            navigate(&format!("/checkout/{}/pay", placing.order_id.get_value()), Default::default());
        });
        placing
    }
}

#[component]
fn CheckoutForm(placing: Placing) -> impl IntoView {
    let Placing { draft, problems, order_id, change, failure } = placing;
    let device = expect_context::<Device>();
    let waiting = move || {
        change.get().map(|_| {
            let text = if device.online.get() {
                "Placing your order…"
            } else {
                "You're offline. Your order will be placed when you're back online, then you can pay."
            };
            view! { <p class="notice" role="status" data-testid="order-waiting">{text}</p> }
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = draft.input().normalized();
        let found = input.problems();
        problems.set(found.clone());
        failure.set(None);
        if !found.is_empty() || change.get_untracked().is_some() {
            return;
        }
        if order_id.get_value().is_empty() {
            order_id.set_value(new_order_id());
        }
        let order = NewChange {
            kind: "order",
            method: "PUT",
            url: format!("/api/orders/{}", order_id.get_value()),
            body: serde_json::to_string(&input).ok(),
            owner: None,
            label: "Your order".into(),
            cart: None,
        };
        device.queue_then(order, move |id| change.set(Some(id)));
    };
    let d = draft;
    view! {
        <form class="form-grid" on:submit=submit novalidate=true aria-label="Contact and shipping">
            <h2>"Contact"</h2>
            <Field id="email" label="E-mail" field="email" value=d.email problems kind="email" autocomplete="email"/>
            <h2>"Shipping address"</h2>
            <Field id="name" label="Full name" field="shipping_address.name" value=d.name problems autocomplete="name"/>
            <Field id="line1" label="Street address" field="shipping_address.line1" value=d.line1 problems autocomplete="address-line1"/>
            <Field id="line2" label="Apartment, suite (optional)" field="shipping_address.line2" value=d.line2 problems autocomplete="address-line2"/>
            <Field id="city" label="Town or city" field="shipping_address.city" value=d.city problems autocomplete="address-level2"/>
            <Field id="postal_code" label="Postal code" field="shipping_address.postal_code" value=d.postal_code problems autocomplete="postal-code"/>
            <Field id="country" label="Country code" field="shipping_address.country" value=d.country problems autocomplete="country"/>
            {move || failure.get().map(|message| view! { <p class="notice notice--error" role="alert">{message}</p> })}
            {waiting}
            <button class="button button--primary" type="submit" disabled=move || change.get().is_some()>
                "Continue to payment"
            </button>
        </form>
    }
}

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
fn polled_order(keep_polling: fn(&OrderView) -> bool) -> Resource<Result<Option<OrderView>, ServerFnError>> {
    let params = use_params_map();
    let tick = RwSignal::new(0u64);
    let order =
        Resource::new(move || (params.read().get("id").unwrap_or_default(), tick.get()), |(id, _)| get_order(id));
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
    order: Resource<Result<Option<OrderView>, ServerFnError>>,
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
        Some(Err(e)) => Some(view! { <p class="notice notice--error" role="alert">{shopper_message(&e)}</p> }),
        _ => None,
    };
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
        <form class="form-grid" on:submit=submit novalidate=true aria-label="Card payment">
            <p class="hint">"Test cards: 4242 4242 4242 4242 is approved, 4000 0000 0000 0002 is declined."</p>
            <Field id="card-number" label="Card number" field="number" value=number problems autocomplete="cc-number"/>
            <Field id="card-expiry" label="Expiry (MM/YY)" field="expiry" value=expiry problems autocomplete="cc-exp"/>
            <Field id="card-cvc" label="Security code (CVC)" field="cvc" value=cvc problems autocomplete="cc-csc"/>
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
