//! Whether the page's code has taken over the server-rendered page.
//!
//! The browser entry point first loads the chunk of a lazily loaded
//! micro-app when the page is one of its routes ([`crate::preload`]), then
//! hydrates in one step and calls [`finish`]. What follows the browser (the
//! device's state, the controls that need the code) starts once [`done`] says
//! so: a change to what is shown made before then would no longer match the
//! HTML being hydrated.

use leptos::prelude::*;

thread_local! {
    static DONE: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// True once the page is hydrated (never on the server). Tracked: an effect
/// reading it runs again when hydration ends.
pub fn done() -> bool {
    DONE.with(|done| done.get())
}

/// Called by the browser entry point when hydration has ended.
pub fn finish() {
    DONE.with(|done| done.set(true));
}
