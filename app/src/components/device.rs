//! What the device tells the person: the status bar (whether the store
//! answers, when it last did, how many changes wait to be sent), that a page
//! is a saved copy and how old, and that a new release is ready.

use crate::device::Device;
use crate::words::readable_utc;
use leptos::prelude::*;

#[component]
pub fn StatusBar() -> impl IntoView {
    let device = expect_context::<Device>();
    device.save_visited_pages();
    let synced = move || {
        device.last_sync.get().map(|at| {
            let clock = at.get(11..16).unwrap_or_default().to_string();
            view! { <span class="status-bar__sync">" · last sync " <time datetime=at>{clock}" UTC"</time></span> }
        })
    };
    let waiting = move || match device.waiting() {
        0 => None,
        1 => Some(" · 1 change waiting".to_string()),
        n => Some(format!(" · {n} changes waiting")),
    };
    let online = move || device.online.get();
    view! {
        <div class="status-bar" role="status" data-testid="connection" data-state=move || if online() { "online" } else { "offline" }>
            {move || if online() { "Online" } else { "Offline — showing what is saved on this device" }}
            {synced}
            <span data-testid="waiting">{waiting}</span>
        </div>
    }
}

/// Above the page when what it shows was saved on this device earlier.
#[component]
pub fn SavedCopyNotice() -> impl IntoView {
    let device = expect_context::<Device>();
    move || {
        device.saved_at.get().map(|at| {
            view! {
                <p class="notice saved-copy" role="status" data-testid="saved-copy">
                    "Saved on this device — as of " <time datetime=at.clone()>{readable_utc(&at)}</time>
                    ". It updates when you're back online."
                </p>
            }
        })
    }
}

/// Offers the new release instead of mixing it with the code already running.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let device = expect_context::<Device>();
    view! {
        <Show when=move || device.update_ready.get()>
            <p class="notice update-banner" role="status" data-testid="update-ready">
                "A new version is ready — "
                <button class="button button--link" type="button" on:click=move |_| device.reload()>"reload"</button>
            </p>
        </Show>
    }
}
