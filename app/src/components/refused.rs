//! What a page shows when the store refuses: a page its caller may not see
//! (the server function that refused, `app::account::ssr::require`, already
//! set the 401/403 status), or what a form sent.

use leptos::prelude::*;

/// The refusal, with a sign-in link back to `next` when signing in would help.
pub fn refused(message: String, next: &str) -> AnyView {
    let sign_in = message.starts_with("Sign in");
    let href = format!("/account/sign-in?next={next}");
    view! {
        <p class="notice notice--error" role="alert" data-testid="refused">{message}</p>
        {sign_in.then(|| view! { <p><a href=href>"Sign in"</a></p> })}
    }
    .into_any()
}

/// The store's refusal of what a form sent, worded for the person who sent it.
pub fn refusal(e: &ServerFnError) -> AnyView {
    view! { <p class="notice notice--error" role="alert">{crate::pages::shopper_message(e)}</p> }.into_any()
}
