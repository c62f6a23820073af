//! Checkout and orders, as the UI and the JSON API see them: the checkout
//! form and its validation, order totals, the order view, and the server
//! functions the checkout, payment and confirmation pages use.
//!
//! Validation and totals live here so the browser and the orders service
//! apply exactly the same rules.

use crate::api::ErrorDetail;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

/// Orders with a net total below this pay [`SHIPPING_MINOR`] for shipping.
pub const FREE_SHIPPING_FROM_MINOR: i64 = 50_00;
/// Flat shipping for smaller orders.
pub const SHIPPING_MINOR: i64 = 4_95;
/// Sales tax in basis points (8.00 %), charged on the net total.
pub const TAX_RATE_BPS: i64 = 800;

/// The money of an order. `net` is the lines after discounts, excluding tax and shipping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub net_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
}

impl Totals {
    /// Totals for lines worth `net_minor` (there are no discounts yet).
    pub fn for_net(net_minor: i64) -> Self {
        let shipping_minor = if net_minor == 0 || net_minor >= FREE_SHIPPING_FROM_MINOR { 0 } else { SHIPPING_MINOR };
        // Half-up rounding to the minor unit.
        let tax_minor = (net_minor * TAX_RATE_BPS + 5_000) / 10_000;
        Self { net_minor, shipping_minor, tax_minor, gross_minor: net_minor + shipping_minor + tax_minor }
    }
}

/// Where an order goes, as typed by the shopper.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressInput {
    pub name: String,
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub country: String,
}

/// The body of `PUT /api/orders/{id}`: who to tell and where to ship the cart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutInput {
    pub email: String,
    pub shipping_address: AddressInput,
}

impl CheckoutInput {
    /// Trims every field; upper-cases the country.
    pub fn normalized(mut self) -> Self {
        let a = &mut self.shipping_address;
        for f in [&mut self.email, &mut a.name, &mut a.line1, &mut a.line2, &mut a.city, &mut a.postal_code] {
            *f = f.trim().to_string();
        }
        a.country = a.country.trim().to_uppercase();
        self
    }

    /// Every problem, one per field, named as the JSON names it.
    pub fn problems(&self) -> Vec<ErrorDetail> {
        let mut problems = Vec::new();
        let mut check = |field: &str, ok: bool, message: &str| {
            if !ok {
                problems
                    .push(ErrorDetail::new(format!("invalid_{}", field.replace('.', "_")), message).on_field(field));
            }
        };
        let email = self.email.as_str();
        let at = email.find('@');
        let valid_email = email.len() <= 254
            && !email.contains(char::is_whitespace)
            && at.is_some_and(|i| {
                i > 0 && email[i + 1..].contains('.') && !email[i + 1..].starts_with('.') && !email.ends_with('.')
            });
        check("email", valid_email, "Enter an e-mail address like name@example.com");
        let a = &self.shipping_address;
        let filled = |s: &str, max: usize| !s.is_empty() && s.chars().count() <= max;
        check("shipping_address.name", filled(&a.name, 100), "Enter the recipient's name");
        check("shipping_address.line1", filled(&a.line1, 100), "Enter the street address");
        check("shipping_address.line2", a.line2.chars().count() <= 100, "Keep the second line under 100 characters");
        check("shipping_address.city", filled(&a.city, 60), "Enter the town or city");
        check(
            "shipping_address.postal_code",
            filled(&a.postal_code, 12)
                && a.postal_code.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-'),
            "Enter the postal code",
        );
        check(
            "shipping_address.country",
            a.country.len() == 2 && a.country.chars().all(|c| c.is_ascii_uppercase()),
            "Enter the two-letter country code, e.g. US",
        );
        problems
    }
}

/// One order line, priced when the order was placed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineView {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

/// Where an order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Stored; waiting for stock to be reserved and the payment to arrive.
    PendingPayment,
    /// Paid; will be fulfilled.
    Confirmed,
    /// Will not be fulfilled (no stock, or not paid in time).
    Cancelled,
    /// Every item is sent (or delivered digitally).
    Processed,
}

impl OrderStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::PendingPayment => "Processing payment",
            Self::Confirmed => "Confirmed",
            Self::Cancelled => "Cancelled",
            Self::Processed => "Processed",
        }
    }
}

/// An order as its shopper sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    /// Short, human-friendly order number (for e-mails and phone calls).
    pub number: String,
    pub status: OrderStatus,
    pub email: String,
    pub shipping_address: AddressInput,
    pub currency: String,
    pub lines: Vec<OrderLineView>,
    pub totals: Totals,
    /// Whether the catalog has set the stock aside.
    pub stock_reserved: bool,
    /// Whether a payment attempt is under way (submitted, result not yet known).
    pub payment_in_progress: bool,
    /// Why the last payment attempt failed; the shopper may try again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_error: Option<String>,
    /// Why the order was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    pub receipt_sent: bool,
    /// The shipping order's state once fulfilment has it (e.g. `pending`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_status: Option<String>,
    /// RFC 3339, UTC.
    pub placed_at: String,
    /// The account that placed it; absent for a guest's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Unpaid orders are cancelled at this time (RFC 3339, UTC).
    pub pay_by: String,
    /// The payment that paid for it, or the attempt under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
}

/// A payment as the order page shows it (from the payments service).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSummary {
    pub payment_id: String,
    /// `created`, `processing`, `succeeded` or `failed`.
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// `GET /api/orders/{id}/details`: the order with its payment, shipment and
/// timeline, composed from the services' APIs in parallel. A part that did
/// not answer in time is absent and named in `partial`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetails {
    pub order: OrderView,
    pub payment: Option<PaymentSummary>,
    pub shipment: Option<crate::fulfilment::ShippingOrderView>,
    pub timeline: Option<crate::tracking::Timeline>,
    /// The parts missing: `payment`, `shipment`, `tracking`.
    pub partial: Vec<String>,
    /// The order's link token, for its live updates.
    pub token: String,
}

impl OrderView {
    /// A guest's order is reached by its id (a UUID only its shopper knows);
    /// an account's order by that account and staff only.
    pub fn visible_to(&self, caller: &crate::account::SignedIn) -> bool {
        match &self.account_id {
            None => true,
            Some(owner) => {
                caller.has(crate::account::Role::Dispatcher) || caller.0.as_ref().is_some_and(|a| &a.id == owner)
            }
        }
    }

    /// Whether the shopper can (still, or again) pay for it.
    pub fn payable(&self) -> bool {
        self.status == OrderStatus::PendingPayment && !self.payment_in_progress
    }
}

/// What placing an order came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlaceOrderOutcome {
    Placed(Box<OrderView>),
    /// Fields to correct (the order was not stored).
    Invalid(Vec<ErrorDetail>),
}

/// Card details typed into the simulated provider's form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardInput {
    pub number: String,
    /// `MM/YY`
    pub expiry: String,
    pub cvc: String,
}

/// The digits of a card number, if it passes the Luhn check (12–19 digits; spaces and dashes ignored).
pub fn card_digits(number: &str) -> Option<String> {
    let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !(12..=19).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = digits
        .chars()
        .rev()
        .map(|c| c.to_digit(10).unwrap_or(0))
        .enumerate()
        .map(|(i, d)| if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d })
        .sum();
    sum.is_multiple_of(10).then_some(digits)
}

impl CardInput {
    /// Problems with the card fields, given this month as (year, month).
    pub fn problems(&self, (year, month): (u32, u32)) -> Vec<ErrorDetail> {
        let mut problems = Vec::new();
        if card_digits(&self.number).is_none() {
            problems.push(ErrorDetail::new("invalid_card_number", "Your card number is incorrect").on_field("number"));
        }
        let expiry = self.expiry.trim().split_once('/').and_then(|(m, y)| {
            let (m, y) = (m.trim().parse::<u32>().ok()?, y.trim().parse::<u32>().ok()?);
            (1..=12).contains(&m).then_some((if y < 100 { 2000 + y } else { y }, m))
        });
        match expiry {
            None => {
                problems.push(ErrorDetail::new("invalid_expiry", "Enter the expiry date as MM/YY").on_field("expiry"))
            }
            Some(date) if date < (year, month) => {
                problems.push(ErrorDetail::new("invalid_expiry", "Your card has expired").on_field("expiry"))
            }
            Some(_) => {}
        }
        let cvc = self.cvc.trim();
        if !(3..=4).contains(&cvc.len()) || !cvc.chars().all(|c| c.is_ascii_digit()) {
            problems.push(ErrorDetail::new("invalid_cvc", "Enter the 3 or 4 digit security code").on_field("cvc"));
        }
        problems
    }
}

/// What submitting a payment came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayOutcome {
    /// The provider has it; the result arrives by webhook.
    Submitted,
    Invalid(Vec<ErrorDetail>),
}

/// Places the caller's cart as order `order_id` (idempotent: the same id again changes nothing).
#[server(prefix = "/rpc", endpoint = "orders/place")]
pub async fn place_order(order_id: String, input: CheckoutInput) -> Result<PlaceOrderOutcome, ServerFnError> {
    let owner = crate::cart::ssr::request_owner().await?;
    ssr::orders()?.place(order_id, input, owner).await.map_err(crate::cart::ssr::to_server_error)
}

/// An order by id; `None` if there is none.
#[server(prefix = "/rpc", endpoint = "orders/get", input = GetUrl)]
pub async fn get_order(order_id: String) -> Result<Option<OrderView>, ServerFnError> {
    let order = ssr::orders()?.get(order_id).await.map_err(crate::cart::ssr::to_server_error)?;
    let caller = crate::account::ssr::caller().await?;
    match order {
        Some(o) if !o.visible_to(&caller) => Err(crate::cart::ssr::refuse(403, "This is not your order")),
        other => Ok(other),
    }
}

/// Pays for an order with a card (simulated provider).
#[server(prefix = "/rpc", endpoint = "orders/pay")]
pub async fn pay_order(order_id: String, card: CardInput) -> Result<PayOutcome, ServerFnError> {
    ssr::orders()?.pay(order_id, card).await.map_err(crate::cart::ssr::to_server_error)
}

/// The signed-in shopper's orders, newest first.
#[server(prefix = "/rpc", endpoint = "orders/mine", input = GetUrl)]
pub async fn my_orders() -> Result<Vec<OrderView>, ServerFnError> {
    let account = crate::account::ssr::require(crate::account::Role::Shopper).await?;
    ssr::orders()?.orders_of(account.id).await.map_err(crate::cart::ssr::to_server_error)
}

/// One order with its payment, shipment and timeline, for its owner, staff,
/// or whoever has the link (with its `token`) from the receipt e-mail.
#[server(prefix = "/rpc", endpoint = "orders/details", input = GetUrl)]
pub async fn load_order_details(order_id: String, token: Option<String>) -> Result<OrderDetails, ServerFnError> {
    let caller = crate::account::ssr::caller().await?;
    ssr::details()?.details(order_id, token, caller).await.map_err(crate::cart::ssr::to_server_error)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    //! The port through which server functions reach the orders service.

    use super::*;
    use std::sync::Arc;

    #[async_trait::async_trait]
    pub trait OrdersApi: Send + Sync {
        async fn place(
            &self,
            order_id: String,
            input: CheckoutInput,
            owner: crate::cart::CartOwner,
        ) -> Result<PlaceOrderOutcome, ErrorDetail>;
        async fn get(&self, order_id: String) -> Result<Option<OrderView>, ErrorDetail>;
        async fn pay(&self, order_id: String, card: CardInput) -> Result<PayOutcome, ErrorDetail>;
        /// The account's orders, newest first.
        async fn orders_of(&self, account_id: String) -> Result<Vec<OrderView>, ErrorDetail>;
    }

    /// The order page's data, composed from several services.
    #[async_trait::async_trait]
    pub trait OrderDetailsApi: Send + Sync {
        /// `caller` (or the link `token`) must be allowed to see the order.
        async fn details(
            &self,
            order_id: String,
            token: Option<String>,
            caller: crate::account::SignedIn,
        ) -> Result<OrderDetails, ErrorDetail>;
    }

    pub type SharedOrderDetails = Arc<dyn OrderDetailsApi>;

    pub(super) fn details() -> Result<SharedOrderDetails, ServerFnError> {
        use_context::<SharedOrderDetails>().ok_or_else(|| ServerFnError::new("order details are not available"))
    }

    pub type SharedOrders = Arc<dyn OrdersApi>;

    pub(super) fn orders() -> Result<SharedOrders, ServerFnError> {
        use_context::<SharedOrders>().ok_or_else(|| ServerFnError::new("orders are not available"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_tax_on_net_and_ship_free_from_fifty() {
        let small = Totals::for_net(14_50);
        assert_eq!((small.shipping_minor, small.tax_minor, small.gross_minor), (495, 116, 1450 + 495 + 116));
        let big = Totals::for_net(50_00);
        assert_eq!((big.shipping_minor, big.tax_minor, big.gross_minor), (0, 4_00, 54_00));
    }

    #[test]
    fn luhn_accepts_test_cards_and_rejects_typos() {
        assert!(card_digits("4242 4242 4242 4242").is_some());
        assert!(card_digits("4000-0000-0000-0002").is_some());
        assert!(card_digits("4242 4242 4242 4241").is_none());
        assert!(card_digits("4242").is_none());
    }

    #[test]
    fn card_problems_name_each_field() {
        let card = CardInput { number: "1234".into(), expiry: "13/30".into(), cvc: "1".into() };
        let fields: Vec<_> = card.problems((2026, 11)).into_iter().filter_map(|p| p.field).collect();
        assert_eq!(fields, ["number", "expiry", "cvc"]);
        let expired = CardInput { number: "4242424242424242".into(), expiry: "10/26".into(), cvc: "123".into() };
        assert_eq!(expired.problems((2026, 11))[0].message, "Your card has expired");
        let good = CardInput { number: "4242424242424242".into(), expiry: "11/26".into(), cvc: "123".into() };
        assert!(good.problems((2026, 11)).is_empty());
    }

    #[test]
    fn checkout_problems_name_each_field() {
        let input = CheckoutInput { email: "nope".into(), ..Default::default() };
        let fields: Vec<_> = input.problems().into_iter().filter_map(|p| p.field).collect();
        assert!(fields.contains(&"email".to_string()) && fields.contains(&"shipping_address.country".to_string()));
        let good = CheckoutInput {
            email: "ann@example.com".into(),
            shipping_address: AddressInput {
                name: "Ann".into(),
                line1: "1 Main St".into(),
                line2: String::new(),
                city: "Springfield".into(),
                postal_code: "12345".into(),
                country: "us".into(),
            },
        }
        .normalized();
        assert!(good.problems().is_empty(), "{:?}", good.problems());
    }
}
