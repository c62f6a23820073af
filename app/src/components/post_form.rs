//! A form that calls a server function: Leptos's `ActionForm`, except that
//! the browser sends the form as it is, the body a form posted without
//! JavaScript sends, instead of reading it into the function's arguments
//! first. That reading (serde_qs in the browser) was the last user of serde's
//! own error messages, whose display of a float kept Rust's float formatting
//! in the WASM: ~24 kB that every micro-app with a form loaded.
//!
//! Without JavaScript, or before the WASM has loaded, the form posts to the
//! function as before; the server reads both the same way.

use crate::rpc_client::Store;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// A server function a [`PostForm`] can call: through the store's client,
/// answering in the one codec.
pub trait FormFunction:
    ServerFn<Error = ServerFnError, Client = Store, Output: DeserializeOwned + Send + Sync + 'static> + 'static
{
}

impl<S> FormFunction for S where
    S: ServerFn<Error = ServerFnError, Client = Store, Output: DeserializeOwned + Send + Sync + 'static> + 'static
{
}

/// The calls a [`PostForm`] makes to the server function `S`: the answer
/// (`value`), whether one is on its way (`pending`) and how many came (`version`).
pub struct FormAction<S: ServerFn> {
    action: Action<String, Result<S::Output, ServerFnError>>,
    function: PhantomData<fn() -> S>,
}

impl<S: ServerFn> Clone for FormAction<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ServerFn> Copy for FormAction<S> {}

impl<S: FormFunction> FormAction<S> {
    /// The action, answered already when this page is the one a form
    /// posted without JavaScript came back to with its refusal (`?__err=`).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        use leptos::server::ServerActionError;
        use leptos::server_fn::error::ServerFnUrlError;
        let refused = use_context::<ServerActionError>()
            .filter(|error| error.path() == S::PATH)
            .map(|error| Err(ServerFnUrlError::<ServerFnError>::decode_err(error.err())));
        let action = Action::new_with_value(refused, |body: &String| send::<S>(body.clone()));
        Self { action, function: PhantomData }
    }

    pub fn value(&self) -> MappedSignal<Option<Result<S::Output, ServerFnError>>> {
        self.action.value()
    }

    pub fn pending(&self) -> Memo<bool> {
        self.action.pending()
    }

    pub fn version(&self) -> RwSignal<usize> {
        self.action.version()
    }
}

/// A `<form>` posting to the server function of `action`; its attributes
/// (`attr:class`, `attr:aria-label`) and `children` as the page gives them.
#[component]
pub fn PostForm<S: FormFunction>(action: FormAction<S>, children: Children) -> impl IntoView {
    let on_submit = move |ev: SubmitEvent| {
        if ev.default_prevented() {
            return;
        }
        if let Some(body) = body_of(&ev) {
            ev.prevent_default();
            action.action.dispatch(body);
        }
    };
    view! { <form method="post" action=S::url() on:submit=on_submit>{children()}</form> }
}

/// The form's fields as a form posted without JavaScript sends them
/// (`application/x-www-form-urlencoded`).
#[cfg(feature = "hydrate")]
fn body_of(ev: &SubmitEvent) -> Option<String> {
    use wasm_bindgen::JsCast;
    let form: web_sys::HtmlFormElement = ev.target()?.dyn_into().ok()?;
    let fields = web_sys::FormData::new_with_form(&form).ok()?;
    let body = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&fields).ok()?;
    Some(body.to_string().into())
}

#[cfg(not(feature = "hydrate"))]
fn body_of(_: &SubmitEvent) -> Option<String> {
    None
}

/// Calls `S` with `body`, as Leptos's client would with the arguments read
/// from it: a refusal (400–599) is the function's error, an answer is
/// decoded by the one codec, and a redirect goes through the router.
async fn send<S: FormFunction>(body: String) -> Result<S::Output, ServerFnError> {
    use leptos::server_fn::client::Client;
    use leptos::server_fn::error::FromServerFnError;
    use leptos::server_fn::request::ClientReq;
    use leptos::server_fn::response::ClientRes;
    const FORM: &str = "application/x-www-form-urlencoded";
    let request = <<Store as Client<ServerFnError>>::Request as ClientReq<ServerFnError>>::try_new_post(
        S::PATH,
        FORM,
        "application/json",
        body,
    )?;
    let answer = <Store as Client<ServerFnError>>::send(request).await?;
    let (status, location, redirect) = (
        ClientRes::<ServerFnError>::status(&answer),
        ClientRes::<ServerFnError>::location(&answer),
        ClientRes::<ServerFnError>::has_redirect(&answer),
    );
    if (400..=599).contains(&status) {
        return Err(ServerFnError::de(ClientRes::<ServerFnError>::try_into_bytes(answer).await?));
    }
    let text = ClientRes::<ServerFnError>::try_into_string(answer).await?;
    let output = crate::json::decode(&text).map_err(|e| -> ServerFnError { ServerFnError::Deserialization(e) })?;
    if (300..=399).contains(&status) || redirect {
        leptos::server_fn::redirect::call_redirect_hook(&location);
    }
    Ok(output)
}
