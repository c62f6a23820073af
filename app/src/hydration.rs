//! Whether the page's code has taken over the server-rendered page.
//!
//! Hydration waits for the chunk of a lazily loaded micro-app, so it is not
//! one synchronous step: effects the app creates may run before it ends, and
//! a change they make to what is shown would no longer match the HTML still
//! being hydrated. What follows the browser (the device's state, the
//! controls that need the code) starts once [`done`] says so.

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
