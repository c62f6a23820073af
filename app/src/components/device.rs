//! What the device tells the person: the status bar (whether the store
//! answers, when it last did, how many changes wait to be sent), that a page
//! is a saved copy and how old, and that a new release is ready.

use crate::device::Device;
use leptos::prelude::*;

/// "3 Dec 2026, 10:42 UTC" from an RFC 3339 UTC time.
pub fn readable_utc(at: &str) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let part = |range: std::ops::Range<usize>| at.get(range).and_then(|s| s.parse::<usize>().ok());
    match (part(0..4), part(5..7), part(8..10), at.get(11..16)) {
        (Some(year), Some(month @ 1..=12), Some(day), Some(clock)) => {
            format!("{day} {} {year}, {clock} UTC", MONTHS[month - 1])
        }
        _ => at.to_string(),
    }
}

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

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_as_people_write_them() {
        assert_eq!(super::readable_utc("2026-12-03T10:42:17.123Z"), "3 Dec 2026, 10:42 UTC");
        assert_eq!(super::readable_utc("soon"), "soon");
    }
}
