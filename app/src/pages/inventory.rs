//! The admin micro-app's inventory: what runs low (`/admin/inventory`), and
//! a product's stock, its adjustment form and its history
//! (`/admin/inventory/{sku}`). Administrators only; the forms work before
//! the page's code has loaded (plain form posts).

use crate::components::{FormAction, PostForm, refusal, refused};
use crate::inventory::{
    AdjustStock, LOW_STOCK_BELOW, LowStock, StockHistory, StockPage, load_low_stock, load_stock_page,
};
use crate::pages::shopper_message;
use crate::words::readable_utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn InventoryPage() -> impl IntoView {
    let query = use_query_map();
    let below = move || query.read().get("below").and_then(|b| b.parse().ok()).unwrap_or(LOW_STOCK_BELOW);
    let low = crate::json::load(below, load_low_stock);
    view! {
        <Title text="Inventory · The Better Store"/>
        <h1>"Inventory"</h1>
        <p><a href="/admin/products">"All products: add, change or archive them"</a></p>
        <form method="get" action="/admin/inventory" class="filter" aria-label="Low stock threshold">
            <div class="field">
                <label for="below">"Running low: fewer than"</label>
                <input id="below" name="below" type="number" min="1" inputmode="numeric" value=below/>
            </div>
            <button class="button" type="submit">"Show"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match low.await {
                    Ok(low) => low_view(low).into_any(),
                    Err(e) => refused(shopper_message(&e), "/admin/inventory"),
                }
            })}
        </Suspense>
    }
}

fn low_view(low: LowStock) -> impl IntoView {
    if low.products.is_empty() {
        return view! { <p role="status">{format!("Every product has at least {} in stock.", low.below)}</p> }
            .into_any();
    }
    let rows = low
        .products
        .into_iter()
        .map(|p| {
            let href = format!("/admin/inventory/{}", p.sku);
            view! { <tr><td><a href=href>{p.sku}</a></td><td>{p.name}</td><td class="num">{p.stock}</td></tr> }
        })
        .collect_view();
    view! {
        <table class="report-table" data-testid="low-stock">
            <thead><tr><th scope="col">"SKU"</th><th scope="col">"Product"</th><th scope="col" class="num">"In stock"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn StockPage() -> impl IntoView {
    let (params, query) = (use_params_map(), use_query_map());
    let sku = move || params.read().get("sku").unwrap_or_default();
    let adjust = FormAction::<AdjustStock>::new();
    let page = crate::json::load(move || (sku(), adjust.version().get()), |(sku, _)| load_stock_page(sku));
    view! {
        <Title text="Stock · The Better Store"/>
        <p><a href="/admin/inventory">"← Inventory"</a></p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => stock_view(page, adjust, query.read().get("done")).into_any(),
                    Err(e) => refused(shopper_message(&e), &format!("/admin/inventory/{}", sku())),
                }
            })}
        </Transition>
    }
}

/// A product's stock page; `done` names the adjustment a form posted
/// without JavaScript has just saved (`?done=`), which the page confirms.
fn stock_view(page: StockPage, adjust: FormAction<AdjustStock>, done: Option<String>) -> impl IntoView {
    let StockPage { history, next_id } = page;
    let (name, sku, stock) = (history.name.clone(), history.sku.clone(), history.stock);
    let posted = history.adjustments.iter().find(|a| Some(&a.id) == done.as_ref()).map(|a| a.stock_after);
    let saved =
        |after: u32| view! { <p class="notice" role="status">{format!("Saved: {after} in stock.")}</p> }.into_any();
    let answer = move || match adjust.value().get() {
        Some(Err(e)) => Some(refusal(&e)),
        Some(Ok(done)) => Some(saved(done.stock_after)),
        None => posted.map(saved),
    };
    view! {
        <h1>{name}</h1>
        <p data-testid="stock">"In stock: " <strong>{stock}</strong> " · SKU " {sku.clone()}</p>
        <h2>"Adjust stock"</h2>
        <PostForm action=adjust attr:class="form-grid" attr:aria-label="Adjust stock">
            <input type="hidden" name="sku" value=sku/>
            <input type="hidden" name="id" value=next_id/>
            <div class="field">
                <label for="reason">"Reason"</label>
                <select id="reason" name="reason">
                    <option value="received">"Received (adds)"</option>
                    <option value="returned">"Returned, fit to sell (adds)"</option>
                    <option value="damaged">"Damaged (takes away)"</option>
                    <option value="count_correction">"Count correction (sets the count)"</option>
                </select>
            </div>
            <div class="field"><label for="quantity">"Quantity"</label><input id="quantity" name="quantity" type="number" min="0" inputmode="numeric" required/></div>
            <div class="field"><label for="note">"Note (optional)"</label><input id="note" name="note" maxlength="200"/></div>
            {answer}
            <button class="button button--primary" type="submit">"Save"</button>
        </PostForm>
        <h2>"History"</h2>
        {history_view(history)}
    }
}

fn history_view(history: StockHistory) -> impl IntoView {
    if history.adjustments.is_empty() {
        return view! { <p>"No adjustments yet."</p> }.into_any();
    }
    let rows = history
        .adjustments
        .into_iter()
        .map(|a| {
            let change = if a.change > 0 { format!("+{}", a.change) } else { a.change.to_string() };
            view! {
                <tr>
                    <td>{readable_utc(&a.at)}</td><td data-label="Reason">{a.reason.label()}</td>
                    <td data-label="Change" class="num">{change}</td><td data-label="After" class="num">{a.stock_after}</td>
                    <td data-label="Note">{a.note}</td><td data-label="By">{a.by}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="report-table stacked" data-testid="stock-history">
            <thead><tr>
                <th scope="col">"When"</th><th scope="col">"Reason"</th><th scope="col" class="num">"Change"</th>
                <th scope="col" class="num">"After"</th><th scope="col">"Note"</th><th scope="col">"By"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
