//! How a page's code starts in the browser, in place of Leptos's
//! `HydrationScripts`: once the server-rendered page has been painted.
//!
//! The page is complete HTML, so the shopper can read it before any code
//! runs. Leptos's scripts ask for the WASM, and the chunks of a lazily loaded
//! micro-app, from the `<head>`: a quarter of a megabyte that shares a slow
//! connection with the stylesheet the first paint waits for (and that
//! Lighthouse's phone model counts before the largest paint). Here the first
//! paint comes first; the code is fetched right after it, and a micro-app's
//! chunks when the code asks for them.

use leptos::prelude::*;

/// The module script that loads `<output>.js` and `<output>_bg.wasm` from
/// this build's package directory and hydrates the page once the browser
/// reports its first contentful paint (a paint timing entry, reported when
/// the frame is on screen: a frame callback runs before its frame is
/// shown, so the code could be asked for before the paint it was to wait
/// for); in a browser without paint timing, after the first frame. At once
/// in a hidden tab, which paints nothing (and when a tab is hidden before
/// its first paint).
#[component]
pub fn StartAfterFirstPaint(options: LeptosOptions) -> impl IntoView {
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    let script = format!(
        "let started = false;\
         const start = () => {{ if (started) return; started = true;\
           import('{pkg}.js').then((m) => m.default({{ module_or_path: '{pkg}_bg.wasm' }}).then(() => m.hydrate())); }};\
         if (document.visibilityState === 'hidden') start();\
         else {{ document.addEventListener('visibilitychange', start, {{ once: true }});\
           if (window.PerformanceObserver?.supportedEntryTypes?.includes('paint')) {{\
             new PerformanceObserver((list, seen) => {{\
               if (list.getEntriesByName('first-contentful-paint').length) {{ seen.disconnect(); start(); }}\
             }}).observe({{ type: 'paint', buffered: true }});\
           }} else requestAnimationFrame(() => setTimeout(start, 0)); }}"
    );
    view! { <script type="module" nonce=leptos::nonce::use_nonce()>{script}</script> }
}
