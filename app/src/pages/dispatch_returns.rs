//! Returns in the dispatch micro-app (`/dispatch/returns`, dispatchers and
//! administrators): the returns waiting for their items, oldest first; each
//! is received with every line resellable (back into stock) or damaged, and
//! its refund follows. The forms work before the page's code has loaded.

use crate::components::{FormAction, PostForm, refusal, refused};
use crate::money::format_money;
use crate::pages::shopper_message;
use crate::returns::{OpenReturns, ReceiveReturn, ReturnView, load_open_returns, load_return_form};
use crate::words::readable_utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn DispatchReturnsPage() -> impl IntoView {
    let receive = FormAction::<ReceiveReturn>::new();
    let open = crate::json::load(move || receive.version().get(), |_| load_open_returns());
    let answer = move || match receive.value().get()? {
        Err(e) => Some(refusal(&e)),
        Ok(done) => Some(received(&done)),
    };
    // What a form posted without JavaScript has just received (`?done=<return>&order=<order>`),
    // said until the page receives another itself.
    let query = use_query_map();
    let posted = crate::json::load(
        move || query.with(|q| q.get("done").zip(q.get("order"))),
        |posted| async move {
            let (id, order) = posted?;
            load_return_form(order, None).await.ok()?.returns.into_iter().find(|r| r.id == id)
        },
    );
    view! {
        <Title text="Returns · Dispatch · The Better Store"/>
        <p><a href="/dispatch">"← Dispatch"</a></p>
        <h1>"Returns"</h1>
        {answer}
        {move || receive.value().with(Option::is_none).then(|| view! {
            <Suspense>{move || Suspend::new(async move { posted.await.map(|done| received(&done)) })}</Suspense>
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading the returns…"</p> }>
            {move || Suspend::new(async move {
                match open.await {
                    Ok(open) => open_view(open, receive).into_any(),
                    Err(e) => refused(shopper_message(&e), "/dispatch/returns"),
                }
            })}
        </Transition>
    }
}

fn received(done: &ReturnView) -> AnyView {
    view! {
        <p class="notice" role="status" data-testid="return-received">
            {format!(
                "Received the return of order {}: the refund of {} is on its way.",
                done.order_number,
                format_money(done.refund_minor, &done.currency)
            )}
        </p>
    }
    .into_any()
}

fn open_view(open: OpenReturns, receive: FormAction<ReceiveReturn>) -> impl IntoView {
    if open.items.is_empty() {
        return view! { <p class="empty" data-testid="no-returns">"No returns are waiting for their items."</p> }
            .into_any();
    }
    open.items.into_iter().map(|r| return_view(r, receive)).collect_view().into_any()
}

fn return_view(r: ReturnView, receive: FormAction<ReceiveReturn>) -> impl IntoView {
    let lines = r
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let field = format!("condition-{}-{i}", r.id);
            view! {
                <div class="field">
                    <input type="hidden" name=format!("lines[{i}][sku]") value=l.sku.clone()/>
                    <input type="hidden" name=format!("lines[{i}][quantity]") value=l.quantity.to_string()/>
                    <label for=field.clone()>{format!("{} × {} ({})", l.quantity, l.name, l.sku)}</label>
                    <select id=field name=format!("lines[{i}][condition]")>
                        <option value="resellable">"Fit to sell again (back into stock)"</option>
                        <option value="damaged">"Damaged"</option>
                    </select>
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="card return" data-testid="open-return" data-order=r.order_number.clone()>
            <h2>"Order " {r.order_number.clone()}</h2>
            <p>"Asked for " {readable_utc(&r.requested_at)} " · refund " {format_money(r.refund_minor, &r.currency)}</p>
            <p>"Reason: " {r.reason.clone()}</p>
            <PostForm action=receive attr:class="form-grid" attr:aria-label=format!("Receive the return of order {}", r.order_number)>
                <input type="hidden" name="id" value=r.id.clone()/>
                {lines}
                <button class="button button--primary" type="submit">"Mark received"</button>
            </PostForm>
        </section>
    }
}
