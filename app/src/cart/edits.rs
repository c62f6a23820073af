//! Cart edits as the app queues them on the device (the outbox), the REST
//! call each becomes, and the cart a shopper sees: the store's last answer
//! with the edits still waiting applied on top, in order.

use super::{CartLineView, CartView, MAX_LINE_QUANTITY};
use crate::catalog::Price;
use serde::{Deserialize, Serialize};

/// What an edit does to its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CartAction {
    /// The line holds exactly `quantity` units (`PUT`).
    Set { quantity: u32 },
    /// `quantity` more units (`POST`, applied once per change id).
    Add { quantity: u32 },
    /// The line goes (`DELETE`).
    Remove,
}

/// How to show a line the store has not priced yet (added on this device).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePreview {
    pub name: String,
    pub image: String,
    pub unit_price: Price,
    /// Units the catalog had when the shopper saw the product.
    pub available: u32,
}

/// One queued edit of one line, kept on the device as [`super::stored`] says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "super::stored::StoredEdit", into = "super::stored::StoredEdit")]
pub struct CartEdit {
    pub sku: String,
    pub action: CartAction,
    pub preview: Option<LinePreview>,
}

impl CartEdit {
    /// The REST call that makes this edit: method, path and JSON body.
    pub fn request(&self) -> (&'static str, String, Option<String>) {
        let path = format!("/api/cart/items/{}", self.sku);
        match self.action {
            CartAction::Set { quantity } => ("PUT", path, Some(format!("{{\"quantity\":{quantity}}}"))),
            CartAction::Add { quantity } => ("POST", path, Some(format!("{{\"quantity\":{quantity}}}"))),
            CartAction::Remove => ("DELETE", path, None),
        }
    }

    /// How the status bar and a refusal name it: "Enamel Camp Mug × 2".
    pub fn label(&self, name: &str) -> String {
        match self.action {
            CartAction::Set { quantity } => format!("{name} × {quantity}"),
            CartAction::Add { quantity } => format!("{name} + {quantity}"),
            CartAction::Remove => format!("remove {name}"),
        }
    }
}

/// `cart` with `edits` applied in order, as the store will apply them (a
/// line never above [`MAX_LINE_QUANTITY`]); totals recomputed.
pub fn with_edits(cart: &CartView, edits: &[CartEdit]) -> CartView {
    let mut lines = cart.lines.clone();
    for edit in edits {
        let at = lines.iter().position(|l| l.sku.eq_ignore_ascii_case(&edit.sku));
        match (edit.action, at) {
            (CartAction::Remove, Some(i)) => {
                lines.remove(i);
            }
            (CartAction::Remove, None) => {}
            (CartAction::Set { quantity }, Some(i)) => lines[i].quantity = quantity,
            (CartAction::Add { quantity }, Some(i)) => {
                lines[i].quantity = (lines[i].quantity + quantity).min(MAX_LINE_QUANTITY);
            }
            (CartAction::Set { quantity } | CartAction::Add { quantity }, None) => {
                if let Some(line) = new_line(edit, quantity) {
                    lines.push(line);
                }
            }
        }
    }
    priced(lines, &cart.subtotal.currency)
}

fn new_line(edit: &CartEdit, quantity: u32) -> Option<CartLineView> {
    let preview = edit.preview.as_ref()?;
    Some(CartLineView {
        sku: edit.sku.to_ascii_uppercase(),
        name: preview.name.clone(),
        image: preview.image.clone(),
        quantity: quantity.min(MAX_LINE_QUANTITY),
        unit_price: preview.unit_price.clone(),
        line_total: preview.unit_price.clone(),
        available: preview.available,
        problem: None,
        fulfilment: Default::default(),
        withdrawn: false,
    })
}

fn priced(mut lines: Vec<CartLineView>, currency: &str) -> CartView {
    for line in &mut lines {
        line.line_total.amount_minor = line.unit_price.amount_minor * i64::from(line.quantity);
        line.problem = match line.available {
            0 => Some("Out of stock".into()),
            n if n < line.quantity => Some(format!("Only {n} left")),
            _ => None,
        };
    }
    let currency = lines.first().map_or(currency, |l| l.unit_price.currency.as_str()).to_string();
    CartView {
        item_count: lines.iter().map(|l| l.quantity).sum(),
        subtotal: Price { amount_minor: lines.iter().map(|l| l.line_total.amount_minor).sum(), currency },
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(amount_minor: i64) -> Price {
        Price { amount_minor, currency: "USD".into() }
    }

    fn cart(lines: &[(&str, u32, i64)]) -> CartView {
        let lines: Vec<_> = lines
            .iter()
            .map(|&(sku, quantity, unit)| CartLineView {
                sku: sku.into(),
                name: sku.into(),
                image: String::new(),
                quantity,
                unit_price: price(unit),
                line_total: price(unit * i64::from(quantity)),
                available: 5,
                problem: None,
                fulfilment: Default::default(),
                withdrawn: false,
            })
            .collect();
        priced(lines, "USD")
    }

    fn edit(sku: &str, action: CartAction) -> CartEdit {
        CartEdit { sku: sku.into(), action, preview: None }
    }

    #[test]
    fn edits_apply_in_order_and_totals_follow() {
        let base = cart(&[("KIT-001", 1, 1500), ("KIT-002", 2, 900)]);
        let shown = with_edits(
            &base,
            &[
                edit("KIT-001", CartAction::Set { quantity: 3 }),
                edit("kit-002", CartAction::Remove),
                edit("KIT-001", CartAction::Add { quantity: 1 }),
            ],
        );
        assert_eq!(shown.lines.len(), 1);
        assert_eq!(shown.lines[0].quantity, 4);
        assert_eq!(shown.item_count, 4);
        assert_eq!(shown.subtotal.amount_minor, 6000);
        assert_eq!(shown.lines[0].line_total.amount_minor, 6000);
    }

    #[test]
    fn a_line_added_on_the_device_shows_from_its_preview_and_is_capped_like_the_store() {
        let preview = LinePreview { name: "Mug".into(), image: "/m.png".into(), unit_price: price(1200), available: 2 };
        let added = CartEdit { sku: "kit-003".into(), action: CartAction::Add { quantity: 3 }, preview: Some(preview) };
        let shown = with_edits(&cart(&[]), &[added.clone(), edit("KIT-003", CartAction::Add { quantity: 9 })]);
        assert_eq!(shown.lines[0].sku, "KIT-003");
        assert_eq!(shown.lines[0].quantity, MAX_LINE_QUANTITY);
        assert_eq!(shown.lines[0].problem.as_deref(), Some("Only 2 left"));
        // Without a preview there is nothing to show until the store answers.
        assert!(with_edits(&cart(&[]), &[edit("KIT-009", CartAction::Set { quantity: 1 })]).lines.is_empty());
    }

    #[test]
    fn each_edit_is_the_rest_call_the_store_applies_once_per_change_id() {
        assert_eq!(
            edit("KIT-001", CartAction::Set { quantity: 2 }).request(),
            ("PUT", "/api/cart/items/KIT-001".into(), Some(r#"{"quantity":2}"#.into()))
        );
        assert_eq!(edit("KIT-001", CartAction::Add { quantity: 1 }).request().0, "POST");
        assert_eq!(edit("KIT-001", CartAction::Remove).request(), ("DELETE", "/api/cart/items/KIT-001".into(), None));
    }
}
