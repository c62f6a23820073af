//! How the page calls its server functions: Leptos's own browser client,
//! except that a refusal made before the function ran reads in the store's
//! words. The store's edge refuses a request itself (too many sign-ins from
//! one place, a request that took too long, a store too busy to take it) with
//! the REST API's JSON error, `{"error":{"code":…,"message":…}}`. Leptos's
//! client reads only its own `Kind|message` form, so it took every such
//! refusal for a network failure and the shopper read "We could not reach
//! the store" while the store was answering. Every server function names
//! this client: `#[server(…, client = crate::rpc_client::Store)]`.

use leptos::server_fn::Bytes;
use leptos::server_fn::client::{Client, browser::BrowserClient};
use leptos::server_fn::error::FromServerFnError;
use leptos::server_fn::request::browser::BrowserRequest;
use leptos::server_fn::response::{ClientRes, browser::BrowserResponse};
use std::future::Future;

/// [`BrowserClient`], answering with [`Answer`].
pub struct Store;

impl<E, I, O> Client<E, I, O> for Store
where
    E: FromServerFnError,
    I: FromServerFnError,
    O: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = Answer;

    fn send(request: BrowserRequest) -> impl Future<Output = Result<Answer, E>> + Send {
        let sent = <BrowserClient as Client<E, I, O>>::send(request);
        async move { sent.await.map(Answer) }
    }

    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl futures::Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                impl futures::Sink<Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, I, O>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, I, O>>::spawn(future)
    }
}

/// The store's answer, whose refusals read as Leptos's `ServerError|message`.
pub struct Answer(BrowserResponse);

impl<E: FromServerFnError> ClientRes<E> for Answer {
    fn try_into_string(self) -> impl Future<Output = Result<String, E>> + Send {
        <BrowserResponse as ClientRes<E>>::try_into_string(self.0)
    }

    /// What Leptos reads a refusal from (a status of 400 to 599) as well as an answer.
    fn try_into_bytes(self) -> impl Future<Output = Result<Bytes, E>> + Send {
        let status = <BrowserResponse as ClientRes<E>>::status(&self.0);
        async move {
            if !(400..=599).contains(&status) {
                return <BrowserResponse as ClientRes<E>>::try_into_bytes(self.0).await;
            }
            let body = <BrowserResponse as ClientRes<E>>::try_into_string(self.0).await?;
            Ok(Bytes::from(refusal(status, &body)))
        }
    }

    fn try_into_stream(self) -> Result<impl futures::Stream<Item = Result<Bytes, Bytes>> + Send + Sync + 'static, E> {
        <BrowserResponse as ClientRes<E>>::try_into_stream(self.0)
    }

    fn status(&self) -> u16 {
        <BrowserResponse as ClientRes<E>>::status(&self.0)
    }

    fn status_text(&self) -> String {
        <BrowserResponse as ClientRes<E>>::status_text(&self.0)
    }

    fn location(&self) -> String {
        <BrowserResponse as ClientRes<E>>::location(&self.0)
    }

    fn has_redirect(&self) -> bool {
        <BrowserResponse as ClientRes<E>>::has_redirect(&self.0)
    }
}

/// A refusal's body as Leptos reads it: a server function's own refusal as
/// it is, the edge's JSON error as its message, and a bare status (a
/// gateway's, say) in plain words where the status says what happened.
fn refusal(status: u16, body: &str) -> String {
    if body.split_once('|').is_some_and(|(kind, _)| kind.chars().all(|c| c.is_ascii_alphabetic())) {
        return body.to_string();
    }
    let message = match (message_in(body), status) {
        (Some(message), _) => message,
        (None, 408 | 504) => "The store took too long to answer. Please try again.".into(),
        (None, 429 | 503) => "The store is busy just now. Please try again in a moment.".into(),
        (None, _) => return body.to_string(),
    };
    format!("ServerError|{message}")
}

/// The `error.message` of the store's JSON error.
fn message_in(body: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use js_sys::Reflect;
        let value = js_sys::JSON::parse(body).ok()?;
        let error = Reflect::get(&value, &"error".into()).ok()?;
        Reflect::get(&error, &"message".into()).ok()?.as_string()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let value: serde_json::Value = serde_json::from_str(body).ok()?;
        value.get("error")?.get("message")?.as_str().map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::refusal;

    #[test]
    fn the_edges_json_refusal_reads_as_its_message() {
        let body = r#"{"error":{"code":"rate_limited","message":"Too many requests; try again in 12 s"}}"#;
        assert_eq!(refusal(429, body), "ServerError|Too many requests; try again in 12 s");
    }

    #[test]
    fn a_server_functions_own_refusal_is_left_as_it_is() {
        assert_eq!(refusal(409, "ServerError|Only 2 of Kettle left"), "ServerError|Only 2 of Kettle left");
    }

    #[test]
    fn a_bare_status_reads_in_plain_words_where_it_says_what_happened() {
        assert_eq!(refusal(408, ""), "ServerError|The store took too long to answer. Please try again.");
        assert_eq!(
            refusal(503, "<html>busy</html>"),
            "ServerError|The store is busy just now. Please try again in a moment."
        );
        assert_eq!(refusal(500, "oops"), "oops", "anything else stays unreadable, so it reads as not reached");
    }
}
