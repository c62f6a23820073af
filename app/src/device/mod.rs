//! What this device keeps for the store: the outbox of edits waiting to be
//! sent (`public/outbox.js`, IndexedDB), whether the store answers, and the
//! notices that go with it. [`Device`] holds it as signals for the pages; in
//! the browser ([`js`]) it follows the outbox and `public/pwa.js`.
//!
//! The queue itself and its sending live in JavaScript because the service
//! worker must send it on Background Sync with no page (and no WASM) open;
//! what to queue and how to show it is decided here, in Rust.

#[cfg(feature = "hydrate")]
mod js;
#[cfg(any(feature = "hydrate", test))]
mod snapshots;
mod state;

#[cfg(feature = "hydrate")]
pub use js::{draft, keep_draft, now, page_started};
pub use state::Device;

use crate::cart::edits::CartEdit;
use serde::{Deserialize, Serialize};

/// An edit to queue: the REST call that makes it, and how to show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewChange {
    /// `cart`, `order` or `dispatch`: which micro-app shows it.
    pub kind: &'static str,
    pub method: &'static str,
    pub url: String,
    pub body: Option<String>,
    /// The account it belongs to (`None`: a guest's).
    pub owner: Option<String>,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cart: Option<CartEdit>,
}

/// An edit waiting in the outbox.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Queued {
    pub id: String,
    pub kind: String,
    pub url: String,
    pub label: String,
    #[serde(default)]
    pub cart: Option<CartEdit>,
}

/// An edit the store refused, kept until the person dismisses it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Refused {
    pub id: String,
    pub kind: String,
    pub url: String,
    pub label: String,
    pub status: u16,
    pub message: String,
    #[serde(default)]
    pub cart: Option<CartEdit>,
}

/// The last cart the store sent while the outbox sent an edit (JSON), and when.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct SavedCart {
    pub value: String,
    pub at: String,
}

/// The outbox as the app shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Outbox {
    pub pending: Vec<Queued>,
    pub refused: Vec<Refused>,
    pub cart: Option<SavedCart>,
}

impl Outbox {
    /// The cart edits still waiting, oldest first.
    pub fn cart_edits(&self) -> Vec<CartEdit> {
        self.pending.iter().filter_map(|q| q.cart.clone()).collect()
    }
}
