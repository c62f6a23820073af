//! The cart micro-app: lines priced now, quantities, removal, the way to
//! checkout. Edits are queued on the device first (the outbox) and show at
//! once; the store gets them in order, now or when the connection returns.

use crate::cart::edits::{CartAction, CartEdit};
use crate::cart::{CartLineView, CartView, MAX_LINE_QUANTITY, ShownCart};
use crate::device::{Device, NewChange, Refused};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CartPage() -> impl IntoView {
    let shown = expect_context::<ShownCart>();
    view! {
        <Title text="Your cart · The Better Store"/>
        <h1>"Your cart"</h1>
        <Refusals/>
        <Transition fallback=|| view! { <p class="loading">"Loading your cart…"</p> }>
            {move || shown.get().map(|cart| match cart {
                Ok(cart) if cart.lines.is_empty() => view! {
                    <p class="empty">"Your cart is empty. " <a href="/">"Find something good"</a></p>
                }
                .into_any(),
                Ok(cart) => view! { <CartContents cart/> }.into_any(),
                Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// Queues `action` on `sku` (named `name` for the status bar and any refusal).
pub(crate) fn queue_cart_edit(edit: CartEdit, name: &str) {
    let (method, url, body) = edit.request();
    let label = edit.label(name);
    expect_context::<Device>().queue(NewChange {
        kind: "cart",
        method,
        url,
        body,
        owner: None,
        label,
        cart: Some(edit),
    });
}

/// Edits the store refused (out of stock, say): the store's reason, until read.
#[component]
fn Refusals() -> impl IntoView {
    let device = expect_context::<Device>();
    let refused =
        move || device.outbox.with(|o| o.refused.iter().filter(|r| r.kind == "cart").cloned().collect::<Vec<_>>());
    let item = move |r: Refused| {
        let id = r.id.clone();
        view! {
            <li data-testid="cart-refused">
                {format!("Not changed: {} — {}", r.label, r.message)} " "
                <button class="button button--link" type="button" on:click=move |_| device.dismiss(id.clone())>"OK"</button>
            </li>
        }
    };
    view! {
        <Show when=move || !refused().is_empty()>
            <ul class="notice notice--error" role="alert">{move || refused().into_iter().map(item).collect_view()}</ul>
        </Show>
    }
}

#[component]
fn CartContents(cart: CartView) -> impl IntoView {
    let ready = cart.ready_for_checkout();
    view! {
        <table class="cart-lines stacked">
            <thead>
                <tr><th scope="col">"Product"</th><th scope="col">"Price"</th><th scope="col">"Quantity"</th><th scope="col">"Total"</th><th scope="col"><span class="visually-hidden">"Remove"</span></th></tr>
            </thead>
            <tbody>
                {cart.lines.into_iter().map(|line| view! { <CartLine line/> }).collect_view()}
            </tbody>
        </table>
        <p class="cart-subtotal">"Subtotal (" {crate::words::count(cart.item_count, "item")} "): " <strong data-testid="cart-subtotal">{cart.subtotal.display()}</strong></p>
        {if ready {
            view! { <a class="button button--primary" href="/checkout">"Checkout"</a> }.into_any()
        } else {
            view! { <p class="notice notice--error" role="alert">"Some products cannot be bought as they are; change them to continue."</p> }.into_any()
        }}
    }
}

#[component]
fn CartLine(line: CartLineView) -> impl IntoView {
    let device = expect_context::<Device>();
    let sku = line.sku.clone();
    let waiting = move || device.outbox.with(|o| o.cart_edits().iter().any(|e| e.sku.eq_ignore_ascii_case(&sku)));
    let most = line.available.clamp(line.quantity.max(1), MAX_LINE_QUANTITY).max(line.quantity);
    let (sku, name) = (line.sku.clone(), line.name.clone());
    let on_change = move |ev: leptos::ev::Event| {
        if let Ok(quantity) = event_target_value(&ev).parse::<u32>() {
            let edit = CartEdit { sku: sku.clone(), action: CartAction::Set { quantity }, preview: None };
            queue_cart_edit(edit, &name);
        }
    };
    let (sku, name) = (line.sku.clone(), line.name.clone());
    let on_remove =
        move |_| queue_cart_edit(CartEdit { sku: sku.clone(), action: CartAction::Remove, preview: None }, &name);
    let current = line.quantity;
    view! {
        <tr class="cart-line" data-sku=line.sku.clone()>
            <td>
                <a class="cart-line__name" href=format!("/products/{}", line.sku)>{line.name.clone()}</a>
                {line.problem.clone().map(|p| view! { <span class="cart-line__problem">" · " {p}</span> })}
                <Show when=waiting>
                    <span class="cart-line__waiting" data-testid="cart-line-waiting">" · waiting to be sent"</span>
                </Show>
            </td>
            <td data-label="Price">{line.unit_price.display()}</td>
            <td>
                <label class="visually-hidden" for=format!("qty-{}", line.sku)>"Quantity of " {line.name.clone()}</label>
                <select id=format!("qty-{}", line.sku) class="cart-line__quantity" on:change=on_change>
                    {(1..=most).map(|n| view! { <option value=n.to_string() selected=n == current>{n}</option> }).collect_view()}
                </select>
            </td>
            <td class="cart-line__total">{line.line_total.display()}</td>
            <td>
                <button class="button button--link" type="button" aria-label=format!("Remove {}", line.name) on:click=on_remove>
                    "Remove"
                </button>
            </td>
        </tr>
    }
}
