//! Returning items of an order (`/orders/{id}/return`, the orders
//! micro-app): what can go back and how many, a reason, and the returns
//! already made with their refunds. The order's owner, staff, or a guest
//! with the order's link token; the form works before the page's code has
//! loaded (a plain form post).

use crate::components::{FormAction, PostForm, refusal, refused};
use crate::money::format_money;
use crate::orders::if_order_id;
use crate::pages::{NotFound, shopper_message};
use crate::returns::{RequestReturn, ReturnForm, ReturnStatus, ReturnView, ReturnableLine, load_return_form};
use crate::url::with_query;
use crate::words::readable_utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ReturnPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let token = move || query.read().get("token");
    let request = FormAction::<RequestReturn>::new();
    let form = crate::json::load(
        move || (id(), token(), request.version().get()),
        |(id, token, _)| if_order_id(id, |id| load_return_form(id, token)),
    );
    view! {
        <Title text="Return items · The Better Store"/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match form.await {
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Ok(Some(form)) => form_view(form, token(), request, query.read().get("done")).into_any(),
                    Err(e) => refused(shopper_message(&e), &format!("/orders/{}/return", id())),
                }
            })}
        </Transition>
    }
}

/// The order's return page; `done` names the return a form posted without
/// JavaScript has just made (`?done=`), which the page confirms.
fn form_view(
    form: ReturnForm,
    token: Option<String>,
    request: FormAction<RequestReturn>,
    done: Option<String>,
) -> impl IntoView {
    let order = with_query(&format!("/orders/{}", form.order_id), &[("token", token.as_deref())]);
    let posted = form.returns.iter().find(|r| Some(&r.id) == done.as_ref()).cloned();
    let answer = move || match request.value().get() {
        Some(Err(e)) => Some(refusal(&e)),
        Some(Ok(done)) => Some(accepted(&done)),
        None => posted.as_ref().map(accepted),
    };
    let asking = form.can_return_any().then(|| ask_view(&form, token, request));
    let none_left = (!form.can_return_any())
        .then(|| view! { <p class="notice" role="status">"Nothing in this order can be returned now."</p> });
    view! {
        <p><a href=order>{format!("← Order {}", form.order_number)}</a></p>
        <h1>"Return items"</h1>
        <p>{format!("Items sent in the last {} days can be returned; the refund goes to the card you paid with once they arrive.", crate::returns::RETURN_DAYS)}</p>
        {answer}
        {none_left}
        {asking}
        {returns_view(form.returns)}
    }
}

fn accepted(done: &ReturnView) -> AnyView {
    view! {
        <p class="notice" role="status" data-testid="return-accepted">
            {format!(
                "Return accepted. We have e-mailed you how to send the items back; {} is refunded when they arrive.",
                format_money(done.refund_minor, &done.currency)
            )}
        </p>
    }
    .into_any()
}

fn ask_view(form: &ReturnForm, token: Option<String>, request: FormAction<RequestReturn>) -> impl IntoView + use<> {
    let currency = form.currency.clone();
    let lines: Vec<_> = form.lines.iter().enumerate().map(|(i, line)| line_view(i, line, &currency)).collect();
    let (id, order_id) = (form.next_id.clone(), form.order_id.clone());
    view! {
        <PostForm action=request attr:class="form-grid" attr:aria-label="Return items">
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="order_id" value=order_id/>
            <input type="hidden" name="token" value=token.unwrap_or_default()/>
            <fieldset class="return-lines">
                <legend>"What are you returning?"</legend>
                {lines}
            </fieldset>
            <div class="field">
                <label for="reason">"Why are you returning it?"</label>
                <textarea id="reason" name="reason" maxlength="500" rows="3" required></textarea>
            </div>
            <button class="button button--primary" type="submit">"Ask for the return"</button>
        </PostForm>
    }
}

/// A line: how many to return (a select up to what is left), or why it cannot go back.
fn line_view(i: usize, line: &ReturnableLine, currency: &str) -> impl IntoView + use<> {
    let price = format_money(line.unit_price_minor, currency);
    let label = format!("{} ({price} each)", line.name);
    if line.left == 0 {
        let why = line.why_not.clone().unwrap_or_default();
        return view! { <p class="return-line" data-testid="not-returnable">{label}" — " <em>{why}</em></p> }
            .into_any();
    }
    let field = format!("return-{i}");
    let options = (0..=line.left).map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view();
    view! {
        <div class="field return-line">
            <input type="hidden" name=format!("lines[{i}][sku]") value=line.sku.clone()/>
            <label for=field.clone()>{label}</label>
            <select id=field name=format!("lines[{i}][quantity]") data-sku=line.sku.clone()>{options}</select>
        </div>
    }
    .into_any()
}

fn returns_view(returns: Vec<ReturnView>) -> impl IntoView {
    if returns.is_empty() {
        return None;
    }
    let items = returns
        .into_iter()
        .map(|r| {
            let what: Vec<String> = r.lines.iter().map(|l| format!("{} × {}", l.quantity, l.name)).collect();
            let status = match r.status {
                ReturnStatus::Requested => "Waiting for the items",
                ReturnStatus::Received => "Received: the refund is on its way",
            };
            view! {
                <li data-testid="return">
                    <strong>{what.join(", ")}</strong>
                    " — " {status} " · " {format_money(r.refund_minor, &r.currency)}
                    <br/><small>"Asked for " {readable_utc(&r.requested_at)}</small>
                </li>
            }
        })
        .collect_view();
    Some(view! { <h2>"Your returns"</h2><ul class="returns">{items}</ul> })
}
