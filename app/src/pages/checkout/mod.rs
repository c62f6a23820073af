//! The checkout micro-app: contact and shipping details with field-level
//! validation, the order summary, then card payment, then the confirmation.

mod draft;
mod pay;

pub use pay::{ConfirmationPage, PayPage};

use crate::api::ErrorDetail;
use crate::cart::ShownCart;
use crate::components::{CartRevision, OrderSummary};
use crate::device::{Device, NewChange};
use crate::orders::{OrderLineView, PlaceOrder, Totals};
use crate::pages::shopper_message;
use draft::Draft;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

/// A fresh order id, chosen by the client so a retried submit is the same
/// order: a UUIDv7, whose first bits are the time, so the store keeps the
/// records of orders placed together side by side (fewer pages written per
/// order than with a random UUID).
fn new_order_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
            return time_ordered(js_sys::Date::new_0().get_time() as u64, &crypto.random_uuid());
        }
    }
    #[cfg(feature = "ssr")]
    {
        return uuid::Uuid::now_v7().to_string(); // the form's, for a browser without JavaScript
    }
    #[allow(unreachable_code)]
    String::new()
}

/// The UUIDv7 (RFC 9562) of `unix_ms` whose random bits are those of
/// `random`, a version 4 UUID in canonical form: the first 48 bits become
/// the milliseconds and the version digit 7; the variant and the 74 random
/// bits after them stay.
#[cfg(any(feature = "hydrate", test))]
fn time_ordered(unix_ms: u64, random: &str) -> String {
    let ms = unix_ms & 0xffff_ffff_ffff;
    format!("{:08x}-{:04x}-7{}", ms >> 16, ms & 0xffff, random.get(15..).unwrap_or_default())
}

/// The message for `field` among `problems`, if any.
fn problem_for(problems: &[ErrorDetail], field: &str) -> Option<String> {
    problems.iter().find(|p| p.field.as_deref() == Some(field)).map(|p| p.message.clone())
}

/// A labelled input showing its problem. `of` is the server function's
/// argument the field belongs to: the input's name is `of[field]` (dots as
/// nested brackets), so the form posted without JavaScript is that argument.
#[component]
fn Field(
    id: &'static str,
    label: &'static str,
    of: &'static str,
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
                name=format!("{of}[{}]", field.replace('.', "]["))
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
            order_id: StoredValue::new(new_order_id()),
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
            body: crate::json::encode(&input).ok(),
            owner: None,
            label: "Your order".into(),
            cart: None,
        };
        device.queue_then(order, move |id| change.set(Some(id)));
    };
    // Posted without JavaScript, the form comes back with the store's refusal.
    let refused = ServerAction::<PlaceOrder>::new();
    let failure = move || failure.get().or_else(|| refused.value().get()?.err().map(|e| shopper_message(&e)));
    let d = draft;
    view! {
        // Without JavaScript (or before it has loaded) the form is posted to
        // the server function that places it: never sent as a query string.
        <form class="form-grid" method="post" action=PlaceOrder::url() on:submit=submit novalidate=true aria-label="Contact and shipping">
            <input type="hidden" name="order_id" value=order_id.get_value()/>
            <h2>"Contact"</h2>
            <Field id="email" label="E-mail" of="input" field="email" value=d.email problems kind="email" autocomplete="email"/>
            <h2>"Shipping address"</h2>
            <Field id="name" label="Full name" of="input" field="shipping_address.name" value=d.name problems autocomplete="name"/>
            <Field id="line1" label="Street address" of="input" field="shipping_address.line1" value=d.line1 problems autocomplete="address-line1"/>
            <Field id="line2" label="Apartment, suite (optional)" of="input" field="shipping_address.line2" value=d.line2 problems autocomplete="address-line2"/>
            <Field id="city" label="Town or city" of="input" field="shipping_address.city" value=d.city problems autocomplete="address-level2"/>
            <Field id="postal_code" label="Postal code" of="input" field="shipping_address.postal_code" value=d.postal_code problems autocomplete="postal-code"/>
            <Field id="country" label="Country code" of="input" field="shipping_address.country" value=d.country problems autocomplete="country"/>
            {move || failure().map(|message| view! { <p class="notice notice--error" role="alert">{message}</p> })}
            {waiting}
            <button class="button button--primary" type="submit" disabled=move || change.get().is_some()>
                "Continue to payment"
            </button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::time_ordered;

    const RANDOM: &str = "9f1c2b3a-4d5e-4f60-8a7b-1c2d3e4f5a6b";

    #[test]
    fn an_order_id_is_a_canonical_uuid_v7_of_its_time() {
        let id = time_ordered(1_764_979_200_123, RANDOM);
        let parsed = uuid::Uuid::parse_str(&id).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(parsed.hyphenated().to_string(), id, "lower case, hyphenated");
        let (seconds, nanos) = parsed.get_timestamp().unwrap().to_unix();
        assert_eq!((seconds, nanos / 1_000_000), (1_764_979_200, 123), "the first 48 bits are the milliseconds");
        assert!(id.ends_with("-7f60-8a7b-1c2d3e4f5a6b"), "the random bits after the version stay: {id}");
    }

    #[test]
    fn ids_chosen_later_sort_after_earlier_ones_whatever_their_random_bits() {
        let earlier = time_ordered(1_764_979_200_123, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let later = time_ordered(1_764_979_200_124, "00000000-0000-4000-8000-000000000000");
        assert!(earlier < later, "{earlier} < {later}");
    }
}
