//! Reading an order: [`app::orders::access::may_read`] decides, with what
//! this service knows of whose the order is (the placing account, or the
//! placing guest's cart) and what the request brings (session, guest-cart
//! cookie, link token).

use super::record::OrderRecord;
use super::{Orders, OrdersError, parse_order_id};
use app::cart::CartOwner;
use app::orders::access::{Holder, Reader, Verdict, may_read};
use app::orders::{OrderReader, OrderView};
use std::time::{Duration, Instant};

impl Orders {
    /// The order, if `reader` may see it (401/403 otherwise).
    pub async fn read(&self, id: &str, reader: &OrderReader) -> Result<OrderView, OrdersError> {
        Ok(self.readable(id, reader).await?.0.view())
    }

    /// The order as stored, with its version, if `reader` may see it (401/403 otherwise).
    pub(super) async fn readable(&self, id: &str, reader: &OrderReader) -> Result<(OrderRecord, u64), OrdersError> {
        let id = parse_order_id(id)?;
        let asking_cart = self.carts.guest_cart(reader.cookie.as_deref());
        if reader.caller.0.is_none() && reader.token.is_none() && asking_cart.is_none() {
            // No proof of any kind: nothing to look up (not even whether it exists).
            return Err(OrdersError::Refused(Verdict::SignIn.refusal().expect("a refusal")));
        }
        let (order, version) = self.load(&id).await?.ok_or_else(|| OrdersError::NotFound(id.clone()))?;
        let holder = Holder { account_id: order.account_id.as_deref(), guest_cart: order.placed_by_cart.as_deref() };
        let reader = Reader {
            caller: &reader.caller,
            guest_cart: asking_cart.as_deref(),
            link_token: reader.token.as_deref().is_some_and(|token| self.links.matches(&id, token)),
        };
        match may_read(holder, reader).refusal() {
            None => Ok((order, version)),
            Some(refusal) => Err(OrdersError::Refused(refusal)),
        }
    }

    /// The order as [`Orders::readable`] reads it; when its version is
    /// still `unchanged` and the reader asked to `wait`, read again once it
    /// is written, until it changes or the wait is over.
    pub(super) async fn readable_after(
        &self,
        id: &str,
        reader: &OrderReader,
        wait: Option<Duration>,
        unchanged: impl Fn(u64) -> bool,
    ) -> Result<(OrderRecord, u64), OrdersError> {
        let Some(wait) = wait else { return self.readable(id, reader).await };
        let (mut watch, until) = (self.watch(id), Instant::now() + wait);
        let mut read = self.readable(id, reader).await?;
        while unchanged(read.1) && watch.written_within(until.saturating_duration_since(Instant::now())).await {
            read = self.readable(id, reader).await?;
        }
        Ok(read)
    }

    /// The guest cart placing an order for `owner` (none for an account).
    pub(super) fn placer_cart(&self, owner: &CartOwner) -> Option<String> {
        match owner.account_id {
            Some(_) => None,
            None => self.carts.guest_cart(owner.cookie.as_deref()),
        }
    }

    /// Whether `owner` is who placed `order` (the same account, or the same guest cart).
    pub(super) fn placed_by(&self, order: &OrderRecord, owner: &CartOwner) -> bool {
        match (&order.account_id, &owner.account_id) {
            (Some(placed), Some(asking)) => placed == asking,
            (None, None) => order.placed_by_cart.is_some() && order.placed_by_cart == self.placer_cart(owner),
            _ => false,
        }
    }
}
