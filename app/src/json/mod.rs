//! One JSON codec for everything the page reads and sends: its resources'
//! data, server functions' answers, the outbox and the saved draft.
//!
//! In the browser the text is parsed by the browser's own `JSON.parse` (and
//! written by `JSON.stringify`); the parsed value is read into Rust by
//! [`parsed`], and serde-wasm-bindgen moves values to be written the other
//! way: the WASM carries no JSON parser or printer, only each type's
//! field-by-field code (a smaller first download). On the server it is
//! serde_json, as everywhere else.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use leptos::server_fn::{self, Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{Serialize, de::DeserializeOwned};
use std::future::Future;

#[cfg(any(feature = "hydrate", test))]
mod parsed;

/// Reads `text` as a `T`; the error names what did not fit.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    #[cfg(feature = "hydrate")]
    {
        let value = js_sys::JSON::parse(text).map_err(js_error)?;
        parsed::from_parsed(value).map_err(|e| e.to_string())
    }
    #[cfg(not(feature = "hydrate"))]
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Writes `value` as JSON text, as serde_json writes it.
pub fn encode<T: Serialize>(value: &T) -> Result<String, String> {
    #[cfg(feature = "hydrate")]
    {
        let value = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| e.to_string())?;
        let text = js_sys::JSON::stringify(&value).map_err(js_error)?;
        Ok(text.into())
    }
    #[cfg(not(feature = "hydrate"))]
    serde_json::to_string(value).map_err(|e| e.to_string())
}

/// What `JSON.parse` or `JSON.stringify` threw (a `SyntaxError`, a `TypeError`).
#[cfg(feature = "hydrate")]
fn js_error(thrown: wasm_bindgen::JsValue) -> String {
    js_sys::Error::from(thrown).message().into()
}

/// The codec of the page's resources: [`encode`] and [`decode`].
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = String;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, String> {
        encode(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = String;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, String> {
        decode(text)
    }
}

/// Server functions' answers: JSON, read with [`decode`]
/// (`#[server(output = crate::json::Answer, client = crate::rpc_client::Store)]`).
pub type Answer = server_fn::codec::Post<AnswerEncoding>;

/// The encoding of [`Answer`].
pub struct AnswerEncoding;

impl ContentType for AnswerEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for AnswerEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for AnswerEncoding {
    type Error = String;

    fn encode(output: &T) -> Result<Bytes, String> {
        encode(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for AnswerEncoding {
    type Error = String;

    fn decode(bytes: Bytes) -> Result<T, String> {
        decode(std::str::from_utf8(&bytes).map_err(|e| e.to_string())?)
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `#[server(…)]` attribute under `dir`, with the file it is in.
    fn server_functions(dir: &Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                server_functions(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for attribute in text.lines().filter(|line| line.starts_with("#[server(")) {
                    found.push((path.display().to_string(), attribute.to_string()));
                }
            }
        }
    }

    /// A server function left on Leptos's default output would bring
    /// serde_json's decoder back into the first download; one left on
    /// Leptos's own client would read the edge's refusals as "not reached".
    #[test]
    fn every_server_function_answers_in_the_one_codec_through_the_stores_client() {
        let mut found = Vec::new();
        server_functions(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
        assert!(found.len() >= 30, "server functions found: {}", found.len());
        for (file, attribute) in found {
            assert!(attribute.contains("output = crate::json::Answer"), "{file}: {attribute}");
            assert!(attribute.contains("client = crate::rpc_client::Store"), "{file}: {attribute}");
        }
    }
}
