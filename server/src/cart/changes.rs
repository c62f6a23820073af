//! Change ids: the `Idempotency-Key` a device's outbox gives each queued
//! edit, and the ones a cart remembers having applied (kept in the cart's
//! own item, written with the edit, so a replay is never applied twice).

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Applied change ids a cart remembers: far more than a device queues offline.
const REMEMBERED: usize = 200;

/// A client-chosen id for one edit (`Idempotency-Key`): 1–64 letters, digits or `-`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeId(String);

impl ChangeId {
    /// The change id of a request's `Idempotency-Key` (checked by its extractor).
    pub fn new(key: String) -> Self {
        Self(key)
    }
}

/// The change ids applied to a cart, oldest first.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Changes(VecDeque<ChangeId>);

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `change` was applied already.
    pub fn applied(&self, change: Option<&ChangeId>) -> bool {
        change.is_some_and(|c| self.0.contains(c))
    }

    /// Records `change` as applied (the oldest beyond [`REMEMBERED`] are forgotten).
    pub fn remember(&mut self, change: Option<&ChangeId>) {
        if let Some(change) = change {
            self.0.push_back(change.clone());
            while self.0.len() > REMEMBERED {
                self.0.pop_front();
            }
        }
    }
}
