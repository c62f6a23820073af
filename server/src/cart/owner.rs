//! Whose cart a request edits: a guest's, named by a signed cookie, or a
//! signed-in account's, derived from the account id — into which the guest
//! cart still named by the cookie is merged once, on first use.

use super::{COOKIE, CartError, CartId, Carts};
use crate::platform::cookies;
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, Item, StoreError, WriteOp};
use app::cart::{CartOwner, MAX_LINE_QUANTITY, MAX_LINES};
use time::OffsetDateTime;
use uuid::Uuid;

/// Namespace of the cart ids derived from account ids.
pub(super) const ACCOUNT_CARTS: Uuid = Uuid::from_u128(0x6a1c_3f4e_9b2d_4c8a_8e51_2f7d_0c93_b4a6);
pub(super) const COOKIE_MAX_AGE_SECS: u32 = 60 * 60 * 24 * 30;

impl Carts {
    /// The cart a `Cookie` header names, if it carries a valid cart cookie.
    pub fn cart_in(&self, cookie_header: Option<&str>) -> Option<CartId> {
        let value = cookies::read(cookie_header, COOKIE)?;
        self.signer.verify(&value).and_then(|v| Uuid::parse_str(v).ok()).map(CartId)
    }

    fn cookie(&self, value: &str, max_age: u32) -> String {
        cookies::set(COOKIE, value, "/", max_age.into(), self.secure_cookies)
    }

    /// The owner's cart and the `Set-Cookie` values to send. A signed-in
    /// account's cart is derived from the account id; a guest cart still named
    /// by the cookie is merged into it (once: the merge and the guest cart's
    /// removal are one transaction) and its cookie removed. A guest without a
    /// cart gets a new one (and its cookie) only when `create`.
    pub async fn resolve(&self, owner: &CartOwner, create: bool) -> Result<(Option<CartId>, Vec<String>), CartError> {
        let guest = self.cart_in(owner.cookie.as_deref());
        match &owner.account_id {
            Some(account) => {
                let id = CartId(Uuid::new_v5(&ACCOUNT_CARTS, account.as_bytes()));
                let mut cookies = Vec::new();
                if let Some(guest) = guest {
                    self.merge(guest, id).await?;
                    cookies.push(self.cookie("", 0));
                }
                Ok((Some(id), cookies))
            }
            None => match guest {
                Some(id) => Ok((Some(id), Vec::new())),
                None if create => {
                    let id = CartId::new_guests();
                    Ok((Some(id), vec![self.cookie(&self.signer.sign(&id.to_string()), COOKIE_MAX_AGE_SECS)]))
                }
                None => Ok((None, Vec::new())),
            },
        }
    }

    /// Moves the lines of cart `from` into cart `into` (quantities add up, to
    /// the per-line limit) and deletes `from`, in one transaction.
    async fn merge(&self, from: CartId, into: CartId) -> Result<(), CartError> {
        let merged = optimistic::until_done(|| async {
            let Some((guest, guest_version)) = self.load(from).await? else { return Ok(Attempt::Done(())) };
            let (mut cart, version) = self.load(into).await?.unwrap_or_default();
            for line in guest.lines {
                let room = cart.lines.len() < MAX_LINES;
                match cart.lines.iter_mut().find(|l| l.sku == line.sku) {
                    Some(existing) => existing.quantity = (existing.quantity + line.quantity).min(MAX_LINE_QUANTITY),
                    None if room => cart.lines.push(line),
                    None => {}
                }
            }
            cart.updated_at = OffsetDateTime::now_utc();
            let ops = vec![
                WriteOp::Put { item: Item::from_record(into.key(), &cart)?, condition: Condition::Version(version) },
                WriteOp::Delete { key: from.key(), condition: Condition::Version(guest_version) },
            ];
            match self.table.transact_write(ops).await {
                Ok(()) => Ok(Attempt::Done(())),
                Err(StoreError::TransactionCancelled { .. }) => Ok(Attempt::Raced),
                Err(e) => Err(e),
            }
        })
        .await?;
        merged.ok_or(CartError::Busy)
    }
}
