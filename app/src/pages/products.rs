//! The admin micro-app's products: every product, archived ones too, 50 a
//! page and found by name or description (`/admin/products`), and a product's form (`/admin/products/new`,
//! `/admin/products/{sku}`): name, description, price, category, how it
//! reaches the shopper, its picture, and whether it is still sold. A
//! refused field is marked with the reason beside it. Administrators only;
//! the form works before the page's code has loaded (a plain form post).

use crate::catalog::{CategoryView, Fulfilment, ProductQueryParams};
use crate::components::{FormAction, PostForm, refusal, refused};
use crate::money::format_money;
use crate::pages::shopper_message;
use crate::products::{
    AdminProduct, AdminProducts, FIELDS, ProductForm, SaveProduct, about_field, load_admin_products, load_product_form,
    typed_price,
};
use crate::url::with_query;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

/// Products listed on one page.
const PAGE_SIZE: &str = "50";

#[component]
pub fn ProductsPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let params = move || ProductQueryParams {
        q: Some(q()).filter(|q| !q.is_empty()),
        cursor: query.read().get("cursor"),
        limit: Some(PAGE_SIZE.into()),
        category: None,
    };
    let products = crate::json::load(params, load_admin_products);
    view! {
        <Title text="Products · The Better Store"/>
        <h1>"Products"</h1>
        <p class="actions">
            <a class="button button--primary" href="/admin/products/new">"New product"</a>
            <a href="/admin/inventory">"What runs low"</a>
        </p>
        <form method="get" action="/admin/products" class="filter" aria-label="Find products">
            <div class="field">
                <label for="q">"Name or description"</label>
                <input id="q" name="q" type="search" value=q/>
            </div>
            <button class="button" type="submit">"Find"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match products.await {
                    Ok(list) => list_view(list, q()).into_any(),
                    Err(e) => refused(shopper_message(&e), "/admin/products"),
                }
            })}
        </Suspense>
    }
}

fn list_view(list: AdminProducts, q: String) -> impl IntoView {
    if list.items.is_empty() {
        return view! { <p>"No products match."</p> }.into_any();
    }
    let next = list.next_cursor.map(|cursor| {
        let href = with_query("/admin/products", &[("q", Some(&q)), ("cursor", Some(&cursor))]);
        view! { <p class="pager"><a href=href>"Next page"</a></p> }
    });
    let rows = list
        .items
        .into_iter()
        .map(|p| {
            let href = format!("/admin/products/{}", p.product.sku);
            let stock = format!("/admin/inventory/{}", p.product.sku);
            let state = if p.archived { "Archived" } else { "On sale" };
            view! {
                <tr>
                    <td><a href=href>{p.product.sku.clone()}</a></td>
                    <td data-label="Name">{p.product.name.clone()}</td>
                    <td data-label="Price" class="num">{format_money(p.product.price.amount_minor, &p.product.price.currency)}</td>
                    <td data-label="In stock" class="num"><a href=stock>{p.product.stock}</a></td>
                    <td data-label="State">{state}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="queue stacked" data-testid="products">
            <caption class="visually-hidden">"Products, by SKU"</caption>
            <thead><tr>
                <th scope="col">"SKU"</th><th scope="col">"Name"</th><th scope="col" class="num">"Price"</th>
                <th scope="col" class="num">"In stock"</th><th scope="col">"State"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {next}
    }
    .into_any()
}

#[component]
pub fn ProductEditPage() -> impl IntoView {
    let params = use_params_map();
    let sku = move || params.read().get("sku").filter(|s| s != "new");
    let save = FormAction::<SaveProduct>::new();
    // Read again after each save that went through, never after a refusal: what was typed stays.
    let saved = Memo::new(move |last: Option<&Option<(String, u64)>>| match save.value().get() {
        Some(Ok(p)) => Some((p.product.sku, p.version)),
        _ => last.cloned().flatten(),
    });
    let navigate = use_navigate();
    Effect::new(move |before: Option<Option<(String, u64)>>| {
        // A product just created goes on at its own page.
        let now = saved.get();
        let fresh = before.flatten() != now;
        if let (true, None, Some((created, _))) = (fresh, sku(), &now) {
            navigate(&format!("/admin/products/{created}"), Default::default());
        }
        now
    });
    let form = crate::json::load(move || (sku(), saved.get()), |(sku, _)| load_product_form(sku));
    let query = use_query_map();
    let posted = move || query.read().get("done").as_deref() == Some(crate::products::SAVED);
    view! {
        <Title text="Product · The Better Store"/>
        <p><a href="/admin/products">"← Products"</a></p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match form.await {
                    Ok(form) => form_view(form, save, posted()).into_any(),
                    Err(e) => refused(shopper_message(&e), "/admin/products"),
                }
            })}
        </Transition>
    }
}

/// The product's form; `posted`: a form posted without JavaScript has just
/// saved it (`?done=saved`), which the page confirms.
fn form_view(form: ProductForm, save: FormAction<SaveProduct>, posted: bool) -> impl IntoView {
    let ProductForm { product, categories } = form;
    let posted = product.clone().filter(|_| posted);
    let saved = move || match save.value().get() {
        Some(Ok(done)) => Some(saved_view(&done).into_any()),
        Some(Err(e)) => Some(refusal(&e)),
        None => posted.as_ref().map(|done| saved_view(done).into_any()),
    };
    let error_of = move |label: &'static str| {
        move || match save.value().get() {
            Some(Err(e)) => about_field(&shopper_message(&e), label).map(str::to_string),
            _ => None,
        }
    };
    let p = product.as_ref().map(|p| &p.product);
    let value = |get: fn(&crate::catalog::ProductView) -> String| p.map(get).unwrap_or_default();
    let title = p.map_or("New product".to_string(), |p| p.name.clone());
    let (name, description) = (value(|p| p.name.clone()), value(|p| p.description.clone()));
    let (price, category) = (value(|p| typed_price(p.price.amount_minor)), value(|p| p.category.clone()));
    let (image, fulfilment) = (value(|p| p.image.clone()), p.map(|p| p.fulfilment).unwrap_or_default());
    let fields = FIELDS.map(|(name, label)| (name, label, error_of(label)));
    let (sku, archive) = (sku_field(product.as_ref(), fields[0].2), archive_box(product.as_ref()));
    view! {
        <h1>{title}</h1>
        {saved}
        <PostForm action=save attr:class="form-grid" attr:aria-label="Product">
            {sku}
            {text_field("name", "Name", name, fields[1].2)}
            <FieldBox name="description" label="Description" error=fields[2].2>
                <textarea id="description" name="description" rows="4" maxlength="2000">{description}</textarea>
            </FieldBox>
            <FieldBox name="price" label="Price" error=fields[3].2>
                <input id="price" name="price" inputmode="decimal" required value=price/>
            </FieldBox>
            <FieldBox name="category" label="Category" error=fields[4].2>
                {category_select(categories, category)}
            </FieldBox>
            {fulfilment_select(fulfilment)}
            {text_field("image", "Picture", image, fields[5].2)}
            {archive}
            <button class="button button--primary" type="submit">"Save"</button>
        </PostForm>
    }
}

fn saved_view(done: &AdminProduct) -> impl IntoView + use<> {
    let stock = format!("/admin/inventory/{}", done.product.sku);
    let state = if done.archived { "archived: no longer sold" } else { "on sale" };
    view! {
        <p class="notice" role="status" data-testid="product-saved">
            {format!("Saved {} ({}), {state}. ", done.product.name, done.product.sku)}
            <a href=stock>"Set its stock"</a>
        </p>
    }
}

/// A labelled field with the reason it was refused, if it was.
#[component]
fn FieldBox<E>(name: &'static str, label: &'static str, error: E, children: Children) -> impl IntoView
where
    E: Fn() -> Option<String> + Send + Sync + Copy + 'static,
{
    let error_id = format!("{name}-error");
    view! {
        <div class="field" data-invalid=move || error().is_some().then_some("true")>
            <label for=name>{label}</label>
            {children()}
            <p class="field__error" id=error_id aria-live="polite">{error}</p>
        </div>
    }
}

fn text_field<E>(name: &'static str, label: &'static str, value: String, error: E) -> impl IntoView
where
    E: Fn() -> Option<String> + Send + Sync + Copy + 'static,
{
    view! {
        <FieldBox name=name label=label error=error>
            <input id=name name=name value=value aria-invalid=move || error().is_some().then_some("true")/>
        </FieldBox>
    }
}

/// A new product's SKU is typed; an existing one's is fixed, and its version goes with the change.
fn sku_field<E>(product: Option<&AdminProduct>, error: E) -> impl IntoView + use<E>
where
    E: Fn() -> Option<String> + Send + Sync + Copy + 'static,
{
    match product {
        Some(p) => view! {
            <input type="hidden" name="sku" value=p.product.sku.clone()/>
            <input type="hidden" name="expected_version" value=p.version.to_string()/>
            <p>"SKU " <strong>{p.product.sku.clone()}</strong> " · " {format!("{} in stock", p.product.stock)}</p>
        }
        .into_any(),
        None => text_field("sku", "SKU", String::new(), error).into_any(),
    }
}

fn category_select(categories: Vec<CategoryView>, chosen: String) -> impl IntoView {
    let options = categories
        .into_iter()
        .map(|c| {
            let selected = c.slug == chosen;
            view! { <option value=c.slug.clone() selected=selected>{c.name}</option> }
        })
        .collect_view();
    view! { <select id="category" name="category">{options}</select> }
}

fn fulfilment_select(chosen: Fulfilment) -> impl IntoView {
    view! {
        <div class="field">
            <label for="fulfilment">"How it reaches the shopper"</label>
            <select id="fulfilment" name="fulfilment">
                <option value="physical" selected=chosen == Fulfilment::Physical>"Packed and sent"</option>
                <option value="digital" selected=chosen == Fulfilment::Digital>"Delivered digitally"</option>
            </select>
        </div>
    }
}

fn archive_box(product: Option<&AdminProduct>) -> impl IntoView + use<> {
    let archived = product.is_some_and(|p| p.archived);
    view! {
        <div class="field field--check">
            <input id="archived" name="archived" type="checkbox" value="true" checked=archived/>
            <label for="archived">"Archived: no longer sold (orders keep it)"</label>
        </div>
    }
}
