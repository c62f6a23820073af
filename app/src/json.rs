//! One JSON decoder for the page's data.
//!
//! serde_json's decoder is generic over where the text comes from, and the
//! WASM carries a copy of every decoded type for each source: server
//! functions decode their answers from bytes, Leptos's resources decode the
//! page's data from a `&str`. Everything in the app decodes from bytes, so
//! each type is decoded by one copy of the code (a smaller first download).

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{Serialize, de::DeserializeOwned};
use std::future::Future;

/// Decodes `text` as a `T`, the way server functions decode their answers.
pub fn decode<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    serde_json::from_slice(text.as_bytes())
}

/// The codec of the page's resources: serde_json, decoding with [`decode`].
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> serde_json::Result<String> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> serde_json::Result<T> {
        decode(text)
    }
}

/// Data the page loads from `fetcher` whenever `source` changes; rendered
/// on the server and handed to the browser with the page.
pub type Loaded<T> = Resource<T, Json>;

/// A [`Loaded`] resource, as `Resource::new` makes one but with [`Json`].
#[track_caller]
pub fn load<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
