//! The one rule for who may see an order, used by every route and server
//! function that shows one (the orders API, the order details, tracking and
//! its live streams, the pay and confirmation pages).
//!
//! An order may be seen by: whoever holds its link token (the receipt
//! e-mail's link); staff (dispatchers, administrators); the account that
//! placed it; and, for a guest's order, the browser that placed it (its
//! signed guest-cart cookie). Knowing the order's id alone is not enough.

use crate::account::{Role, SignedIn};
use crate::api::ErrorDetail;

/// What a request brings to read an order: who is signed in, its cookies
/// (a guest cart's among them) and, from a receipt's link, a token.
#[derive(Clone, Debug)]
pub struct OrderReader {
    pub caller: SignedIn,
    pub cookie: Option<String>,
    pub token: Option<String>,
}

/// Whose an order is, as the service answering knows it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Holder<'a> {
    /// The account that placed it (`None`: a guest).
    pub account_id: Option<&'a str>,
    /// The guest cart that placed it, when known to the service answering.
    pub guest_cart: Option<&'a str>,
}

/// Who asks, with what proof.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    pub caller: &'a SignedIn,
    /// The asking browser's guest cart (verified from its signed cookie).
    pub guest_cart: Option<&'a str>,
    /// Whether the request carried this order's link token.
    pub link_token: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Nobody is signed in and no proof came: 401, sign in or use the link.
    SignIn,
    /// Someone else's: 403.
    Refused,
}

pub fn may_read(holder: Holder<'_>, reader: Reader<'_>) -> Verdict {
    let own_account = matches!((holder.account_id, &reader.caller.0), (Some(owner), Some(me)) if owner == me.id);
    let placing_browser = holder.account_id.is_none()
        && matches!((holder.guest_cart, reader.guest_cart), (Some(placed), Some(asking)) if placed == asking);
    if reader.link_token || reader.caller.has(Role::Dispatcher) || own_account || placing_browser {
        Verdict::Allowed
    } else if reader.caller.0.is_none() {
        Verdict::SignIn
    } else {
        Verdict::Refused
    }
}

impl Verdict {
    /// The refusal to answer with (status included), if refused.
    pub fn refusal(self) -> Option<ErrorDetail> {
        match self {
            Self::Allowed => None,
            Self::SignIn => Some(
                ErrorDetail::new("unauthenticated", "Sign in, or open the link in your receipt e-mail")
                    .with_status(401),
            ),
            Self::Refused => Some(ErrorDetail::new("forbidden", "This is not your order").with_status(403)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountView;

    fn account(id: &str, roles: Vec<Role>) -> SignedIn {
        SignedIn(Some(AccountView { id: id.into(), email: format!("{id}@example.com"), name: id.into(), roles }))
    }

    #[test]
    fn an_order_is_seen_by_its_link_staff_its_account_or_the_browser_that_placed_it() {
        let nobody = SignedIn(None);
        let ann = account("ann", vec![Role::Shopper]);
        let bob = account("bob", vec![Role::Shopper]);
        let dora = account("dora", vec![Role::Dispatcher]);
        let anns = Holder { account_id: Some("ann"), guest_cart: None };
        let guests = Holder { account_id: None, guest_cart: Some("cart-1") };
        let read = |caller, guest_cart, link_token| Reader { caller, guest_cart, link_token };

        assert_eq!(may_read(anns, read(&ann, None, false)), Verdict::Allowed);
        assert_eq!(may_read(anns, read(&dora, None, false)), Verdict::Allowed);
        assert_eq!(may_read(anns, read(&bob, None, false)), Verdict::Refused);
        assert_eq!(may_read(anns, read(&nobody, None, false)), Verdict::SignIn);
        assert_eq!(may_read(anns, read(&nobody, None, true)), Verdict::Allowed, "the receipt's link");

        assert_eq!(may_read(guests, read(&nobody, Some("cart-1"), false)), Verdict::Allowed, "the placing browser");
        assert_eq!(may_read(guests, read(&nobody, Some("cart-2"), false)), Verdict::SignIn, "another browser");
        assert_eq!(may_read(guests, read(&nobody, None, false)), Verdict::SignIn, "the id alone is not enough");
        assert_eq!(may_read(guests, read(&bob, None, false)), Verdict::Refused);
        assert_eq!(may_read(Holder::default(), read(&nobody, None, false)), Verdict::SignIn);
    }
}
