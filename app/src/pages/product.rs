//! The product page. Rendered with `SsrMode::Async` so an unknown SKU can
//! answer with a real 404 status.

use crate::catalog::{ProductView, get_product};
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
                {(product.stock > 0).then(|| view! {
                    <QuantityStepper price=product.price.clone() max=product.stock.min(10)/>
                })}
            </div>
        </article>
    }
}
