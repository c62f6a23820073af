//! The product page. Rendered with `SsrMode::Async` so an unknown SKU can
//! answer with a real 404 status.

use crate::cart::{AddToCart as AddToCartFn, MAX_LINE_QUANTITY};
use crate::catalog::{ProductView, get_product};
use crate::components::CartRevision;
use crate::components::QuantityStepper;
use crate::pages::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let sku = move || params.read().get("sku").unwrap_or_default();
    let product = Resource::new(sku, get_product);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading product…"</p> }>
            {move || Suspend::new(async move {
                match product.await {
                    Ok(Some(p)) => view! { <ProductDetail product=p/> }.into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
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
            <img class="product__image" src=product.image.clone() alt=product.name.clone() width="640" height="480"/>
            <div class="product__info">
                <p class="product__category"><a href=category_href>{product.category.clone()}</a></p>
                <h1 class="product__name">{product.name.clone()}</h1>
                <p class="product__price">{product.price.display()}</p>
                <p class="product__stock">{availability}</p>
                <p class="product__description">{product.description.clone()}</p>
                <p class="product__sku">"SKU " {product.sku.clone()}</p>
                {(product.stock > 0).then(|| view! { <AddToCart product=product.clone()/> })}
            </div>
        </article>
    }
}

/// Quantity and "Add to cart": a form that posts without JavaScript and, once
/// hydrated, updates the header's cart badge in place.
#[component]
fn AddToCart(product: ProductView) -> impl IntoView {
    let add = ServerAction::<AddToCartFn>::new();
    let revision = expect_context::<CartRevision>();
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            revision.bump();
        }
    });
    let outcome = move || match add.value().get() {
        Some(Ok(cart)) => view! {
            <p class="notice notice--ok" role="status">
                "Added. Your cart holds " {cart.item_count} " item(s). " <a href="/cart">"View cart"</a>
            </p>
        }
        .into_any(),
        Some(Err(e)) => view! { <p class="notice notice--error" role="alert">{server_message(&e)}</p> }.into_any(),
        None => ().into_any(),
    };
    view! {
        <ActionForm action=add attr:class="add-to-cart">
            <input type="hidden" name="sku" value=product.sku.clone()/>
            <QuantityStepper price=product.price.clone() max=product.stock.min(MAX_LINE_QUANTITY)/>
            <button class="button button--primary" type="submit" disabled=move || add.pending().get()>
                "Add to cart"
            </button>
        </ActionForm>
        {outcome}
    }
}

/// A server function's error as a shopper should read it.
pub fn server_message(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(message) => message.clone(),
        _ => "We could not reach the store. Check your connection and try again.".into(),
    }
}
