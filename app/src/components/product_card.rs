//! Products in a grid of cards.

use crate::catalog::ProductView;
use leptos::prelude::*;

/// Cards in the first row (four on the widest grid) hold the page's largest
/// picture: fetched at once, the rest when scrolled near.
const FIRST_ROW: usize = 4;

#[component]
pub fn ProductGrid(products: Vec<ProductView>) -> impl IntoView {
    view! {
        <ul class="product-grid">
            {products.into_iter().enumerate().map(|(i, p)| view! { <li><ProductCard product=p first_row=i < FIRST_ROW/></li> }).collect_view()}
        </ul>
    }
}

#[component]
fn ProductCard(product: ProductView, first_row: bool) -> impl IntoView {
    let href = format!("/products/{}", product.sku);
    let stock_note = (product.stock == 0).then_some(view! { <p class="card__stock">"Out of stock"</p> });
    view! {
        <article class="card">
            <a class="card__link" href=href>
                // The name follows in the same link, so the picture says nothing more (alt="").
                <img class="card__image" src=product.image alt="" width="320" height="240"
                    loading=if first_row { "eager" } else { "lazy" } fetchpriority=if first_row { "high" } else { "auto" }/>
                <h3 class="card__name">{product.name}</h3>
            </a>
            <p class="card__price">{product.price.display()}</p>
            {stock_note}
        </article>
    }
}
