//! Products in a grid of cards.

use crate::catalog::ProductView;
use leptos::prelude::*;

#[component]
pub fn ProductGrid(products: Vec<ProductView>) -> impl IntoView {
    view! {
        <ul class="product-grid">
            {products.into_iter().map(|p| view! { <li><ProductCard product=p/></li> }).collect_view()}
        </ul>
    }
}

#[component]
fn ProductCard(product: ProductView) -> impl IntoView {
    let href = format!("/products/{}", product.sku);
    let stock_note = (product.stock == 0).then_some(view! { <p class="card__stock">"Out of stock"</p> });
    view! {
        <article class="card">
            <a class="card__link" href=href>
                <img class="card__image" src=product.image alt=product.name.clone() width="320" height="240" loading="lazy"/>
                <h3 class="card__name">{product.name}</h3>
            </a>
            <p class="card__price">{product.price.display()}</p>
            {stock_note}
        </article>
    }
}
