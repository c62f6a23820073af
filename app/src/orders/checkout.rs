//! The checkout's rules, shared by the browser and the orders service so both
//! apply exactly the same: shipping and tax (order totals), the contact and
//! address form, and the simulated provider's card form.

use crate::api::ErrorDetail;
use serde::{Deserialize, Serialize};

/// Orders with a net total below this pay [`SHIPPING_MINOR`] for shipping.
pub const FREE_SHIPPING_FROM_MINOR: i64 = 50_00;
/// Flat shipping for smaller orders.
pub const SHIPPING_MINOR: i64 = 4_95;
/// Sales tax in basis points (8.00 %), charged on the net total.
pub const TAX_RATE_BPS: i64 = 800;

/// The money of an order. `net` is the lines after discounts, excluding tax and shipping.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Address))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressInput {
    #[cfg_attr(feature = "ssr", schema(max_length = 100, pattern = r"\S"))]
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(max_length = 100, pattern = r"\S"))]
    pub line1: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 100))]
    pub line2: String,
    #[cfg_attr(feature = "ssr", schema(max_length = 60, pattern = r"\S"))]
    pub city: String,
    /// Letters, digits, spaces and hyphens.
    #[cfg_attr(feature = "ssr", schema(max_length = 12, pattern = r"^[A-Za-z0-9 -]*[A-Za-z0-9-][A-Za-z0-9 -]*$"))]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `US`.
    #[cfg_attr(feature = "ssr", schema(pattern = r"^[A-Za-z]{2}$"))]
    pub country: String,
}

/// The body of `PUT /api/orders/{id}`: who to tell and where to ship the cart.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutInput {
    #[cfg_attr(feature = "ssr", schema(max_length = 254, pattern = r"^[^\s@]+@[^\s.]\S*\.\S*[^\s.]$"))]
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
        a.country = a.country.trim().to_ascii_uppercase();
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
        check("email", crate::account::valid_email(&self.email), "Enter an e-mail address like name@example.com");
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

/// Card details typed into the simulated provider's form.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Card))]
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

    #[test]
    fn a_country_code_is_two_ascii_letters_not_a_spelling_upper_cased() {
        let mut input = CheckoutInput { email: "ann@example.com".into(), ..Default::default() };
        input.shipping_address.country = " ß ".into();
        let fields: Vec<_> = input.normalized().problems().into_iter().filter_map(|p| p.field).collect();
        assert!(fields.contains(&"shipping_address.country".to_string()), "'ß' is not 'SS': {fields:?}");
    }
}
