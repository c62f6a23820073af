//! The cart micro-app: lines priced now, quantities, removal, the way to checkout.

use crate::cart::{CartLineView, CartView, MAX_LINE_QUANTITY, RemoveCartLine, SetCartQuantity, get_cart};
use crate::components::CartRevision;
use crate::pages::product::server_message;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CartPage() -> impl IntoView {
    let revision = expect_context::<CartRevision>();
    let cart = Resource::new(move || revision.get(), |_| get_cart());
    view! {
        <Title text="Your cart · The Better Store"/>
        <h1>"Your cart"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading your cart…"</p> }>
            {move || Suspend::new(async move {
                match cart.await {
                    Ok(cart) if cart.lines.is_empty() => view! {
                        <p class="empty">"Your cart is empty. " <a href="/">"Find something good"</a></p>
                    }
                    .into_any(),
                    Ok(cart) => view! { <CartContents cart/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{server_message(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CartContents(cart: CartView) -> impl IntoView {
    let ready = cart.ready_for_checkout();
    view! {
        <table class="cart-lines">
            <thead>
                <tr><th scope="col">"Product"</th><th scope="col">"Price"</th><th scope="col">"Quantity"</th><th scope="col">"Total"</th><th scope="col"><span class="visually-hidden">"Remove"</span></th></tr>
            </thead>
            <tbody>
                {cart.lines.into_iter().map(|line| view! { <CartLine line/> }).collect_view()}
            </tbody>
        </table>
        <p class="cart-subtotal">"Subtotal (" {cart.item_count} " items): " <strong data-testid="cart-subtotal">{cart.subtotal.display()}</strong></p>
        {if ready {
            view! { <a class="button button--primary" href="/checkout">"Checkout"</a> }.into_any()
        } else {
            view! { <p class="notice notice--error" role="alert">"Some products cannot be bought as they are; change them to continue."</p> }.into_any()
        }}
    }
}

#[component]
fn CartLine(line: CartLineView) -> impl IntoView {
    let revision = expect_context::<CartRevision>();
    let set = ServerAction::<SetCartQuantity>::new();
    let remove = ServerAction::<RemoveCartLine>::new();
    Effect::new(move |_| {
        let changed = matches!(set.value().get(), Some(Ok(_))) || matches!(remove.value().get(), Some(Ok(_)));
        if changed {
            revision.bump();
        }
    });
    let error = move || match (set.value().get(), remove.value().get()) {
        (Some(Err(e)), _) | (_, Some(Err(e))) => {
            Some(view! { <p class="notice notice--error" role="alert">{server_message(&e)}</p> })
        }
        _ => None,
    };
    let most = line.available.clamp(line.quantity.max(1), MAX_LINE_QUANTITY).max(line.quantity);
    let sku = line.sku.clone();
    let sku_for_remove = line.sku.clone();
    let on_change = move |ev: leptos::ev::Event| {
        if let Ok(quantity) = event_target_value(&ev).parse::<u32>() {
            set.dispatch(SetCartQuantity { sku: sku.clone(), quantity });
        }
    };
    let current = line.quantity;
    view! {
        <tr class="cart-line" data-sku=line.sku.clone()>
            <td>
                <a class="cart-line__name" href=format!("/products/{}", line.sku)>{line.name.clone()}</a>
                {line.problem.clone().map(|p| view! { <span class="cart-line__problem">" · " {p}</span> })}
                {error}
            </td>
            <td>{line.unit_price.display()}</td>
            <td>
                <label class="visually-hidden" for=format!("qty-{}", line.sku)>"Quantity of " {line.name.clone()}</label>
                <select id=format!("qty-{}", line.sku) class="cart-line__quantity" on:change=on_change>
                    {(1..=most).map(|n| view! { <option value=n.to_string() selected=n == current>{n}</option> }).collect_view()}
                </select>
            </td>
            <td class="cart-line__total">{line.line_total.display()}</td>
            <td>
                <button
                    class="button button--link"
                    type="button"
                    aria-label=format!("Remove {}", line.name)
                    on:click=move |_| { remove.dispatch(RemoveCartLine { sku: sku_for_remove.clone() }); }
                >
                    "Remove"
                </button>
            </td>
        </tr>
    }
}
