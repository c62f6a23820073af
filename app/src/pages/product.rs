//! The product page. Rendered with `SsrMode::Async` so an unknown SKU can
//! answer with a real 404 status.

use crate::cart::edits::{CartAction, CartEdit, LinePreview};
use crate::cart::{AddToCart as AddToCartFn, MAX_LINE_QUANTITY};
use crate::catalog::{ProductView, get_product};
use crate::components::QuantityStepper;
use crate::device::Device;
use crate::pages::NotFound;
use crate::pages::shopper_message;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let sku = move || params.read().get("sku").unwrap_or_default();
    let product = crate::json::load(sku, get_product);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading product…"</p> }>
            {move || Suspend::new(async move {
                match product.await {
                    Ok(Some(p)) => view! { <ProductDetail product=p/> }.into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{shopper_message(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProductDetail(product: ProductView) -> impl IntoView {
    let availability = match product.stock {
        0 => "Out of stock".to_string(),
        n if n <= 5 => format!("Only {n} left"),
        n => format!("In stock ({n})"),
    };
    let category_href = format!("/search?category={}", product.category);
    view! {
        <Title text=format!("{} · The Better Store", product.name)/>
        <article class="product">
            <img class="product__image" src=product.image.clone() alt=product.name.clone() width="640" height="480" fetchpriority="high"/>
            <div class="product__info">
                <p class="product__category"><a href=category_href>{product.category.clone()}</a></p>
                <h1 class="product__name">{product.name.clone()}</h1>
                <p class="product__price">{product.price.display()}</p>
                <p class="product__stock">{availability}</p>
                <p class="product__description">{product.description.clone()}</p>
                <p class="product__sku">"SKU " {product.sku.clone()}</p>
                {(product.stock > 0).then(|| view! { <AddToCart product=product.clone()/> }.into_any())}
            </div>
        </article>
    }
}

/// Quantity and "Add to cart": a form that posts without JavaScript; once
/// hydrated, the addition is queued on the device (so it works offline too)
/// and the header's cart badge shows it at once.
#[component]
fn AddToCart(product: ProductView) -> impl IntoView {
    let device = expect_context::<Device>();
    let quantity = RwSignal::new(1u32);
    let added = RwSignal::new(false);
    let preview = LinePreview {
        name: product.name.clone(),
        image: product.image.clone(),
        unit_price: product.price.clone(),
        available: product.stock,
    };
    const ADD_PATH: &str = <AddToCartFn as leptos::server_fn::ServerFn>::PATH;
    let sku = product.sku.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let action = CartAction::Add { quantity: quantity.get_untracked() };
        let edit = CartEdit { sku: sku.clone(), action, preview: Some(preview.clone()) };
        crate::pages::cart::queue_cart_edit(edit, &preview.name);
        added.set(true);
    };
    let outcome = move || {
        added.get().then(|| {
            let later = (!device.online.get()).then_some(" You're offline: the store gets it when you're back online.");
            view! {
                <p class="notice notice--ok" role="status">"Added to your cart." {later} " " <a href="/cart">"View cart"</a></p>
            }
        })
    };
    view! {
        <form method="post" action=ADD_PATH class="add-to-cart" on:submit=on_submit>
            <input type="hidden" name="sku" value=product.sku.clone()/>
            <QuantityStepper price=product.price.clone() max=product.stock.min(MAX_LINE_QUANTITY) quantity/>
            <button class="button button--primary" type="submit">"Add to cart"</button>
        </form>
        {outcome}
    }
}
