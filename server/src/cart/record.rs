//! How a cart is stored: one item per cart, `CART#<uuid>` / `CART`, holding
//! its lines and the change ids it applied; a guest's cart expires once the
//! cookie naming it is gone.

use super::changes::Changes;
use crate::platform::store::{Item, Key, StoreError, TableSpec};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

pub fn table_spec() -> TableSpec {
    TableSpec::new("carts")
}

/// A cart's identity, as named by its cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CartId(pub(super) Uuid);

/// How long a guest cart is kept after its last change: as long as its
/// cookie lasts after it was made ([`super::owner`]).
const GUEST_CART_KEPT: time::Duration = time::Duration::seconds(super::owner::COOKIE_MAX_AGE_SECS as i64);

impl CartId {
    pub(super) fn key(self) -> Key {
        Key::new(format!("CART#{}", self.0), "CART")
    }

    /// A guest's cart has a time-ordered id (random before: version 4); an
    /// account's is derived from the account (version 5).
    fn is_guests(self) -> bool {
        matches!(self.0.get_version_num(), 4 | 7)
    }

    /// A new guest's cart: a UUIDv7, so carts made together are stored side
    /// by side (a random id lands each on a page of its own).
    pub(super) fn new_guests() -> Self {
        Self(Uuid::now_v7())
    }
}

impl std::fmt::Display for CartId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct CartRecord {
    pub(super) lines: Vec<StoredLine>,
    #[serde(with = "time::serde::rfc3339")]
    pub(super) updated_at: OffsetDateTime,
    /// The change ids applied to this cart.
    #[serde(default, skip_serializing_if = "Changes::is_empty")]
    pub(super) changes: Changes,
}

impl Default for CartRecord {
    fn default() -> Self {
        Self { lines: Vec::new(), updated_at: OffsetDateTime::UNIX_EPOCH, changes: Changes::default() }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct StoredLine {
    pub(super) sku: String,
    pub(super) quantity: u32,
}

/// Cart `id` as stored. A guest cart is removed [`GUEST_CART_KEPT`] after
/// its last change (by then the cookie naming it, set once when it was
/// made, has gone too), at the end of that day (UTC): a day's edits keep one
/// expiry, which the store then need not move.
pub(super) fn cart_item(id: CartId, record: &CartRecord) -> Result<Item, StoreError> {
    let item = Item::from_record(id.key(), record)?;
    if !id.is_guests() {
        return Ok(item);
    }
    let day = (record.updated_at + GUEST_CART_KEPT).date().next_day().unwrap_or(time::Date::MAX);
    Ok(item.expiring_at(day.midnight().assume_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guest_cart_expires_with_its_cookie_and_an_accounts_does_not() {
        let record = CartRecord { updated_at: OffsetDateTime::now_utc(), ..CartRecord::default() };
        let guest = cart_item(CartId::new_guests(), &record).unwrap();
        let kept = guest.expires_at.unwrap() - record.updated_at.unix_timestamp();
        let cookie = i64::from(super::super::owner::COOKIE_MAX_AGE_SECS);
        assert!((cookie..cookie + 86_400).contains(&kept), "kept {kept} s: the cookie's life, to the end of that day");
        assert_eq!(guest.expires_at.unwrap() % 86_400, 0, "at midnight UTC");
        let later = CartRecord { updated_at: record.updated_at + time::Duration::seconds(1), ..record.clone() };
        let again = cart_item(CartId::new_guests(), &later).unwrap();
        assert!(again.expires_at.unwrap() - guest.expires_at.unwrap() <= 86_400);
        let made_before_v7 = cart_item(CartId(Uuid::new_v4()), &record).unwrap();
        assert_eq!(made_before_v7.expires_at, guest.expires_at, "a guest cart from before expires too");
        let account = CartId(Uuid::new_v5(&super::super::owner::ACCOUNT_CARTS, b"account-1"));
        assert_eq!(cart_item(account, &record).unwrap().expires_at, None);
    }

    #[test]
    fn guest_carts_made_one_after_another_are_keyed_in_that_order() {
        let made: Vec<CartId> = (0..100).map(|_| CartId::new_guests()).collect();
        let keys: Vec<String> = made.iter().map(|id| id.key().pk).collect();
        assert!(keys.is_sorted(), "{keys:?}");
    }
}
