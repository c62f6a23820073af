//! The browser side: `self.tbsOutbox` (public/outbox.js) and `self.tbsReload`
//! (public/pwa.js), called from the WASM.

use super::snapshots::{Brief, News};
use super::{NewChange, Outbox};
use crate::orders::CheckoutInput;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = tbsOutbox, js_name = enqueue, catch)]
    fn js_enqueue(change: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = tbsOutbox, js_name = snapshot, catch)]
    fn js_snapshot() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = tbsOutbox, js_name = dismiss, catch)]
    fn js_dismiss(id: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = tbsOutbox, js_name = belongsTo, catch)]
    fn js_belongs_to(account: Option<String>) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_name = tbsReload, catch)]
    fn js_reload() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_name = tbsVisited, catch)]
    fn js_visited(url: &str) -> Result<JsValue, JsValue>;
}

async fn settle(promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, String> {
    JsFuture::from(promise.map_err(describe)?).await.map_err(describe)
}

fn describe(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// Queues `change` on this device (the outbox sends it as soon as it can); its change id.
pub async fn enqueue(change: &NewChange) -> Result<String, String> {
    let json = crate::json::encode(change)?;
    Ok(settle(js_enqueue(&json)).await?.as_string().unwrap_or_default())
}

/// What the outbox holds now: read whole, or only [`Brief`]ly while the
/// reader's chunk cannot be had.
pub async fn snapshot() -> Result<News, String> {
    let json = settle(js_snapshot()).await?.as_string().unwrap_or_default();
    if json == NOTHING_KEPT {
        return Ok(News::Read(Outbox::default()));
    }
    match read_outbox(json.clone()).await {
        Ok(outbox) => Ok(News::Read(outbox)),
        Err(NotRead) => brief(&json).map(News::Brief),
    }
}

/// Reads a snapshot's [`Brief`] field by field: serde's reader for it would
/// bring much of the chunk's code into the first download.
fn brief(json: &str) -> Result<Brief, String> {
    let snapshot = js_sys::JSON::parse(json).map_err(describe)?;
    let field = |value: &JsValue, key: &str| js_sys::Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED);
    let pending = field(&snapshot, "pending").dyn_into::<js_sys::Array>().map_err(describe)?;
    let waiting = pending.iter().filter_map(|queued| field(&queued, "id").as_string()).collect();
    let cart = field(&snapshot, "cart");
    let saved = match (field(&cart, "value").as_string(), field(&cart, "at").as_string()) {
        (Some(value), Some(at)) => Some(super::SavedCart { value, at }),
        _ => None,
    };
    Ok(Brief::new(waiting, saved))
}

/// `public/outbox.js`'s snapshot of an outbox that holds nothing, as most
/// visitors' is: known without [`read_outbox`]'s chunk. Any other text (this
/// one written differently too) is read by it: only the download differs.
const NOTHING_KEPT: &str = r#"{"pending":[],"refused":[],"cart":null}"#;

/// Reads a snapshot that holds something, in a chunk of its own (cut by
/// `cargo xtask build` like a micro-app's): the shop's first page, on a
/// device that never queued an edit, downloads no code that reads an outbox.
/// A chunk that cannot be fetched (offline before the service worker kept it)
/// is a snapshot not read, not a stopped page.
#[leptos::wasm_split::wasm_split(outbox, wasm_split_path = ::leptos::wasm_split, fallible)]
fn read_outbox(json: String) -> Result<Outbox, NotRead> {
    crate::json::decode(&json).map_err(|_| NotRead)
}

/// A snapshot not read: its chunk could not be had, or the text was not an outbox's.
struct NotRead;

impl From<leptos::wasm_split::SplitLoaderError> for NotRead {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Self
    }
}

pub async fn dismiss(id: &str) -> Result<(), String> {
    settle(js_dismiss(id)).await.map(drop)
}

/// Tells the device whose data it holds (it forgets a previous account's).
pub async fn belongs_to(account: Option<String>) -> Result<(), String> {
    settle(js_belongs_to(account)).await.map(drop)
}

/// Takes the waiting release and reloads the page on it.
pub async fn reload() -> Result<(), String> {
    settle(js_reload()).await.map(drop)
}

/// The app showed `url` without loading it: the service worker saves it.
pub fn visited(url: &str) {
    let _ = js_visited(url);
}

/// The time now, UTC (RFC 3339).
pub fn now() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// When this page started loading, UTC (RFC 3339).
pub fn page_started() -> String {
    let origin = web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.time_origin());
    String::from(js_sys::Date::new(&JsValue::from_f64(origin)).to_iso_string())
}

/// The checkout form's draft kept on this device, if any.
pub fn draft() -> Option<CheckoutInput> {
    let text = local_storage()?.get_item(DRAFT).ok()??;
    crate::json::decode(&text).ok()
}

/// Keeps the checkout form's draft (`None`: forgets it).
pub fn keep_draft(draft: Option<&CheckoutInput>) {
    let Some(storage) = local_storage() else { return };
    // Full or private storage: the draft lives only in the page.
    let _ = match draft.map(crate::json::encode) {
        Some(Ok(text)) => storage.set_item(DRAFT, &text),
        Some(Err(_)) => Ok(()),
        None => storage.remove_item(DRAFT),
    };
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Where the draft is kept (public/outbox.js forgets it with the account's data).
const DRAFT: &str = "tbs-checkout-draft";
