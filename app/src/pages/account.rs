//! The account micro-app: sign in, register, reset a forgotten password, the account page.

use crate::account::{
    AccountView, ChangePassword, DELETE_CONFIRMATION, DeleteAccount, Done, Register, RequestPasswordReset,
    ResetPassword, SignIn, SignOut, UpdateProfile, current_account, single_sign_on,
};
use crate::components::{AccountRevision, FormAction, FormFunction, PostForm, refusal};
use crate::pages::shopper_message;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Where to go after signing in: `?next=` when it is a path on this site.
fn next_path() -> String {
    let query = use_query_map();
    crate::url::local_path(query.read_untracked().get("next").as_deref())
}

/// After `action` signs someone in: refresh what shows the account and go to
/// `?next=`. Returns the view of its error, if any.
fn signed_in_then_next<A: FormFunction<Output = AccountView>>(
    action: FormAction<A>,
) -> impl Fn() -> Option<AnyView> + Copy {
    let revision = expect_context::<AccountRevision>();
    let navigate = use_navigate();
    let next = next_path();
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            revision.bump();
            navigate(&next, Default::default());
        }
    });
    move || match action.value().get() {
        Some(Err(e)) => Some(refusal(&e)),
        _ => None,
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = FormAction::<SignIn>::new();
    let register_href = format!("/account/register?next={}", crate::url::encode_component(&next_path()));
    let error = signed_in_then_next(action);
    // A single sign-on that failed comes back here saying why.
    let failed = use_query_map().read_untracked().get("error");
    let sso = crate::json::load(|| (), |_| single_sign_on());
    let sso_href = format!("/api/account/oidc/start?next={}", crate::url::encode_component(&next_path()));
    view! {
        <Title text="Sign in · The Better Store"/>
        <h1>"Sign in"</h1>
        {failed.map(|m| view! { <p class="notice notice--error" role="alert">{m}</p> })}
        <Suspense fallback=|| ()>
            {move || {
                let href = sso_href.clone();
                Suspend::new(async move {
                    matches!(sso.await, Ok(true)).then(|| view! {
                        // rel=external: a full navigation to the issuer, not a client-side route.
                        <p class="sso"><a class="button" href=href rel="external">"Sign in with single sign-on"</a></p>
                        <p class="sso__or">"or with your e-mail and password:"</p>
                    })
                })
            }}
        </Suspense>
        <PostForm action attr:class="form-grid" attr:aria-label="Sign in">
            <div class="field"><label for="email">"E-mail"</label><input id="email" name="email" type="email" autocomplete="username" required/></div>
            <div class="field"><label for="password">"Password"</label><input id="password" name="password" type="password" autocomplete="current-password" required/></div>
            {error}
            <button class="button button--primary" type="submit" disabled=move || action.pending().get()>"Sign in"</button>
        </PostForm>
        <p><a href="/account/reset-password">"Forgot your password?"</a></p>
        <p>"New here? " <a href=register_href>"Create an account"</a></p>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = FormAction::<Register>::new();
    let error = signed_in_then_next(action);
    view! {
        <Title text="Create an account · The Better Store"/>
        <h1>"Create an account"</h1>
        <PostForm action attr:class="form-grid" attr:aria-label="Create an account">
            <div class="field"><label for="name">"Name"</label><input id="name" name="name" autocomplete="name" required/></div>
            <div class="field"><label for="email">"E-mail"</label><input id="email" name="email" type="email" autocomplete="username" required/></div>
            <div class="field"><label for="password">"Password (10 characters or more)"</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required/></div>
            {error}
            <button class="button button--primary" type="submit" disabled=move || action.pending().get()>"Create account"</button>
        </PostForm>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let revision = expect_context::<AccountRevision>();
    let account = crate::json::load(move || revision.get(), |_| current_account());
    let sign_out = FormAction::<SignOut>::new();
    let update = FormAction::<UpdateProfile>::new();
    let delete = FormAction::<DeleteAccount>::new();
    let query = use_query_map();
    let done = move || Done::named(query.read().get("done").as_deref());
    let saved = done();
    Effect::new(move |_| {
        let signed_out = matches!(sign_out.value().get(), Some(Ok(()))) || matches!(delete.value().get(), Some(Ok(())));
        if signed_out {
            revision.bump(); // the store sends the page on to say so (`Done`)
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = update.value().get() {
            revision.bump();
        }
    });
    view! {
        <Title text="Your account · The Better Store"/>
        <h1>"Your account"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(Some(a)) => account_details(a, sign_out, update, delete, saved),
                    Ok(None) => signed_out(done),
                    Err(e) => view! { <p class="error" role="alert">{shopper_message(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// No one signed in: saying so, or that they just signed out or deleted
/// their account (`done`: what the page's `?done=` names, as it changes).
fn signed_out(done: impl Fn() -> Option<Done> + Send + Sync + 'static) -> AnyView {
    let said = move || match done() {
        Some(Done::SignedOut) => "You are signed out.",
        Some(Done::Deleted) => "Your account is deleted: your name, e-mail address and sign-in are gone.",
        _ => "You are not signed in.",
    };
    view! { <p role="status">{said} " " <a href="/account/sign-in">"Sign in"</a></p> }.into_any()
}

/// The signed-in account: who it is, signing out, the profile, password and
/// deletion forms; `saved`: what the page was reached saying was saved.
fn account_details(
    a: AccountView,
    sign_out: FormAction<SignOut>,
    update: FormAction<UpdateProfile>,
    delete: FormAction<DeleteAccount>,
    saved: Option<Done>,
) -> AnyView {
    let roles = a.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
    view! {
        <dl class="account">
            <dt>"Name"</dt><dd>{a.name.clone()}</dd>
            <dt>"E-mail"</dt><dd>{a.email.clone()}</dd>
            <dt>"Roles"</dt><dd data-testid="roles">{roles}</dd>
        </dl>
        <PostForm action=sign_out>
            <button class="button" type="submit">"Sign out"</button>
        </PostForm>
        <h2>"Profile"</h2>
        <PostForm action=update attr:class="form-grid" attr:aria-label="Profile">
            <div class="field"><label for="name">"Name"</label><input id="name" name="name" value=a.name.clone() autocomplete="name" required/></div>
            <div class="field"><label for="email">"E-mail"</label><input id="email" name="email" type="email" value=a.email.clone() autocomplete="email" required/></div>
            {move || notice(or_saved(update.value().get(), saved == Some(Done::Profile)), Some("Saved."))}
            <button class="button" type="submit">"Save profile"</button>
        </PostForm>
        <h2>"Password"</h2>
        {password_form(saved == Some(Done::Password))}
        <h2>"Delete account"</h2>
        <p>"Deleting your account removes your name, e-mail address and sign-in. Your past orders are kept for our books without your personal details."</p>
        <PostForm action=delete attr:class="form-grid" attr:aria-label="Delete account">
            <div class="field"><label for="confirm">{format!("Type {DELETE_CONFIRMATION} to confirm")}</label><input id="confirm" name="confirm" autocomplete="off" required/></div>
            {move || notice(delete.value().get(), None)}
            <button class="button button--danger" type="submit">"Delete my account"</button>
        </PostForm>
    }
    .into_any()
}

/// Changing the password: the current one, then the new one. Both fields
/// are emptied once the store answers, so no password stays on the screen.
/// `changed`: the page was reached saying the password was changed.
fn password_form(changed: bool) -> impl IntoView {
    let change = FormAction::<ChangePassword>::new();
    let emptied = move || change.value().with(|_| "");
    view! {
        <PostForm action=change attr:class="form-grid" attr:aria-label="Change password">
            <div class="field"><label for="current-password">"Current password"</label><input id="current-password" name="current_password" type="password" autocomplete="current-password" prop:value=emptied required/></div>
            <div class="field"><label for="new-password">"New password (10 characters or more)"</label><input id="new-password" name="new_password" type="password" autocomplete="new-password" minlength="10" prop:value=emptied required/></div>
            {move || notice(or_saved(change.value().get(), changed), Some("Password changed. Other devices are signed out."))}
            <button class="button" type="submit" disabled=move || change.pending().get()>"Change password"</button>
        </PostForm>
    }
}

/// A forgotten password: without a token, the form that e-mails a link to
/// choose a new one; with the link's token, the form that sets it.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map().read_untracked();
    view! {
        <Title text="Reset your password · The Better Store"/>
        {match query.get("token") {
            Some(token) => new_password_form(token).into_any(),
            None => link_form(query.get("sent").is_some()).into_any(),
        }}
    }
}

/// Asking for a link; `sent`: asked already (the page a form posted without JavaScript lands on).
fn link_form(sent: bool) -> impl IntoView {
    let ask = FormAction::<RequestPasswordReset>::new();
    let answer = move || or_saved(ask.value().get(), sent);
    view! {
        <h1>"Forgot your password?"</h1>
        <PostForm action=ask attr:class="form-grid" attr:aria-label="E-mail me a link">
            <div class="field"><label for="email">"E-mail"</label><input id="email" name="email" type="email" autocomplete="username" required/></div>
            {move || notice(answer(), Some("If an account uses that address, a link to choose a new password is on its way. It works for an hour."))}
            <button class="button button--primary" type="submit" disabled=move || ask.pending().get()>"E-mail me a link"</button>
        </PostForm>
    }
}

fn new_password_form(token: String) -> impl IntoView {
    let reset = FormAction::<ResetPassword>::new();
    let error = signed_in_then_next(reset);
    view! {
        <h1>"Choose a new password"</h1>
        <PostForm action=reset attr:class="form-grid" attr:aria-label="Choose a new password">
            <input type="hidden" name="token" value=token/>
            <div class="field"><label for="new-password">"New password (10 characters or more)"</label><input id="new-password" name="new_password" type="password" autocomplete="new-password" minlength="10" required/></div>
            {error}
            <button class="button button--primary" type="submit" disabled=move || reset.pending().get()>"Set the password"</button>
        </PostForm>
        <p><a href="/account/reset-password">"Ask for a new link"</a></p>
    }
}

/// An action's last answer or, before it has one, `Ok` when the page was
/// reached saying the form went through (posted without JavaScript).
fn or_saved<T>(answer: Option<Result<T, ServerFnError>>, saved: bool) -> Option<Result<(), ServerFnError>> {
    answer.map(|a| a.map(drop)).or_else(|| saved.then_some(Ok(())))
}

/// What an action's last answer tells the shopper: its refusal, or `saved` when it went through.
fn notice<T>(answer: Option<Result<T, ServerFnError>>, saved: Option<&'static str>) -> Option<AnyView> {
    match answer? {
        Err(e) => Some(refusal(&e)),
        Ok(_) => saved.map(|m| view! { <p class="notice" role="status">{m}</p> }.into_any()),
    }
}
