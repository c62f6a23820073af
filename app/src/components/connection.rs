//! The status bar: whether the store can be reached, and when it last was.
//!
//! `public/pwa.js` (loaded before the WASM) keeps the state on `<html>`:
//! `data-network` (`online` / `offline`: the browser's own flag and whether
//! the service worker's last request reached the server) and `data-last-sync`
//! (UTC time of the last answer, kept across visits), and fires a
//! `tbs-network` event on every change. This component mirrors it.

use leptos::prelude::*;

#[component]
pub fn ConnectionStatus() -> impl IntoView {
    let online = RwSignal::new(true);
    let last_sync = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use leptos::wasm_bindgen::JsCast;
        use leptos::wasm_bindgen::closure::Closure;
        let read = move || {
            let Some(root) = document().document_element() else { return };
            online.set(root.get_attribute("data-network").as_deref() != Some("offline"));
            last_sync.set(root.get_attribute("data-last-sync"));
        };
        read();
        let on_change = Closure::<dyn FnMut()>::new(read);
        let _ = window().add_event_listener_with_callback("tbs-network", on_change.as_ref().unchecked_ref());
        on_change.forget();
    });
    let synced = move || {
        last_sync.get().map(|at| {
            let clock = at.get(11..16).unwrap_or_default().to_string();
            view! { <span class="status-bar__sync">" · last sync " <time datetime=at>{clock}" UTC"</time></span> }
        })
    };
    view! {
        <div class="status-bar" role="status" data-testid="connection" data-state=move || if online.get() { "online" } else { "offline" }>
            {move || if online.get() { "Online" } else { "Offline — showing what is saved on this device" }}
            {synced}
        </div>
    }
}
