//! The account pages' server functions: signing in and out, registering,
//! the profile, passwords and deleting the account.

use super::AccountView;
#[cfg(feature = "ssr")]
use super::ssr;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// The signed-in account, if any.
#[server(prefix = "/rpc", endpoint = "account/me", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn current_account() -> Result<Option<AccountView>, ServerFnError> {
    Ok(ssr::caller().await?.0)
}

/// Whether signing in through an OpenID Connect issuer is offered.
#[server(prefix = "/rpc", endpoint = "account/single-sign-on", input = GetUrl, output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn single_sign_on() -> Result<bool, ServerFnError> {
    Ok(ssr::identity()?.single_sign_on())
}

/// Signs in; the session cookie comes with the answer.
#[server(prefix = "/rpc", endpoint = "account/sign-in", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn sign_in(email: String, password: String) -> Result<AccountView, ServerFnError> {
    let (account, cookie) = ssr::identity()?.sign_in(email, password).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookie(Some(cookie));
    go_on_signed_in().await;
    Ok(account)
}

/// Creates a shopper account and signs it in.
#[server(prefix = "/rpc", endpoint = "account/register", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn register(email: String, name: String, password: String) -> Result<AccountView, ServerFnError> {
    let (account, cookie) =
        ssr::identity()?.register(email, name, password).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookie(Some(cookie));
    go_on_signed_in().await;
    Ok(account)
}

/// Sends a form posted without JavaScript on to where the page it came from
/// says (its `?next=`, else the account page), as the page itself does with
/// JavaScript; otherwise it would land on the sign-in form again.
#[cfg(feature = "ssr")]
async fn go_on_signed_in() {
    let headers: http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
    let page = headers.get(http::header::REFERER).and_then(|v| v.to_str().ok());
    leptos_axum::redirect(&crate::url::next_after(page));
}

/// Ends the session.
#[server(prefix = "/rpc", endpoint = "account/sign-out", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn sign_out() -> Result<(), ServerFnError> {
    let cookie = crate::rpc::request_cookie().await?;
    let clear = ssr::identity()?.sign_out(cookie).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookie(Some(clear));
    leptos_axum::redirect(super::Done::SignedOut.page());
    Ok(())
}

/// Changes the signed-in user's name and e-mail address.
#[server(prefix = "/rpc", endpoint = "account/profile", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn update_profile(name: String, email: String) -> Result<AccountView, ServerFnError> {
    let cookie = crate::rpc::request_cookie().await?;
    let account = ssr::identity()?.update_profile(cookie, name, email).await.map_err(crate::rpc::to_server_error)?;
    leptos_axum::redirect(super::Done::Profile.page());
    Ok(account)
}

/// Changes the signed-in user's password, after checking the current one;
/// every other session of the account ends.
#[server(prefix = "/rpc", endpoint = "account/password", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), ServerFnError> {
    let cookie = crate::rpc::request_cookie().await?;
    let identity = ssr::identity()?;
    identity.change_password(cookie, current_password, new_password).await.map_err(crate::rpc::to_server_error)?;
    leptos_axum::redirect(super::Done::Password.page());
    Ok(())
}

/// E-mails a link to choose a new password, if an account uses `email`
/// (the answer is the same either way).
#[server(prefix = "/rpc", endpoint = "account/password-reset", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn request_password_reset(email: String) -> Result<(), ServerFnError> {
    ssr::identity()?.request_password_reset(email).await.map_err(crate::rpc::to_server_error)?;
    // A form posted without JavaScript lands on the page saying so.
    leptos_axum::redirect("/account/reset-password?sent");
    Ok(())
}

/// Sets a new password with an e-mailed link's token and signs in.
#[server(prefix = "/rpc", endpoint = "account/password-reset/complete", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn reset_password(token: String, new_password: String) -> Result<AccountView, ServerFnError> {
    let identity = ssr::identity()?;
    let (account, cookie) = identity.reset_password(token, new_password).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookie(Some(cookie));
    leptos_axum::redirect("/account"); // signed in: the account, also without JavaScript
    Ok(account)
}

/// What a shopper types to confirm deleting their account.
pub const DELETE_CONFIRMATION: &str = "DELETE";

/// Deletes the signed-in user's account and personal data, and signs out.
#[server(prefix = "/rpc", endpoint = "account/delete", output = crate::json::Answer, client = crate::rpc_client::Store)]
pub async fn delete_account(confirm: String) -> Result<(), ServerFnError> {
    if confirm.trim() != DELETE_CONFIRMATION {
        return Err(crate::rpc::refuse(400, format!("Type {DELETE_CONFIRMATION} to confirm")));
    }
    let cookie = crate::rpc::request_cookie().await?;
    let clear = ssr::identity()?.delete_account(cookie).await.map_err(crate::rpc::to_server_error)?;
    crate::rpc::set_cookie(Some(clear));
    leptos_axum::redirect(super::Done::Deleted.page());
    Ok(())
}
