//! How a [`CartEdit`] is kept on the device (in the outbox, across releases):
//! one flat JSON object, `{"sku":"KIT-001","action":"add","quantity":2}`,
//! with the line's `preview` when it was added on the device.
//!
//! Written out here rather than with serde's `flatten` and `tag`, which make
//! every value pass through a buffer of any JSON value: that machinery (and
//! its copy of float formatting) was the first download's largest decoder.

use super::edits::{CartAction, CartEdit, LinePreview};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub(super) struct StoredEdit {
    sku: String,
    action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantity: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preview: Option<LinePreview>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Action {
    Set,
    Add,
    Remove,
}

impl From<CartEdit> for StoredEdit {
    fn from(edit: CartEdit) -> Self {
        let (action, quantity) = match edit.action {
            CartAction::Set { quantity } => (Action::Set, Some(quantity)),
            CartAction::Add { quantity } => (Action::Add, Some(quantity)),
            CartAction::Remove => (Action::Remove, None),
        };
        StoredEdit { sku: edit.sku, action, quantity, preview: edit.preview }
    }
}

impl TryFrom<StoredEdit> for CartEdit {
    type Error = &'static str;

    fn try_from(stored: StoredEdit) -> Result<Self, Self::Error> {
        let action = match (stored.action, stored.quantity) {
            (Action::Set, Some(quantity)) => CartAction::Set { quantity },
            (Action::Add, Some(quantity)) => CartAction::Add { quantity },
            (Action::Remove, _) => CartAction::Remove,
            (Action::Set | Action::Add, None) => return Err("missing field `quantity`"),
        };
        Ok(CartEdit { sku: stored.sku, action, preview: stored.preview })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Price;
    use serde_json::json;

    fn round_trip(edit: CartEdit, stored: serde_json::Value) {
        assert_eq!(serde_json::to_value(&edit).unwrap(), stored);
        assert_eq!(serde_json::from_value::<CartEdit>(stored).unwrap(), edit);
    }

    #[test]
    fn each_action_is_kept_flat_as_earlier_releases_kept_it() {
        let edit = |action| CartEdit { sku: "KIT-001".into(), action, preview: None };
        round_trip(edit(CartAction::Set { quantity: 3 }), json!({"sku": "KIT-001", "action": "set", "quantity": 3}));
        round_trip(edit(CartAction::Add { quantity: 2 }), json!({"sku": "KIT-001", "action": "add", "quantity": 2}));
        round_trip(edit(CartAction::Remove), json!({"sku": "KIT-001", "action": "remove"}));
    }

    #[test]
    fn a_line_added_on_the_device_keeps_its_preview() {
        let preview = LinePreview {
            name: "Mug".into(),
            image: "/m.png".into(),
            unit_price: Price { amount_minor: 1200, currency: "USD".into() },
            available: 2,
        };
        let edit = CartEdit { sku: "KIT-003".into(), action: CartAction::Add { quantity: 1 }, preview: Some(preview) };
        let stored = json!({
            "sku": "KIT-003", "action": "add", "quantity": 1,
            "preview": {"name": "Mug", "image": "/m.png", "unit_price": {"amount_minor": 1200, "currency": "USD"}, "available": 2}
        });
        round_trip(edit, stored);
    }

    #[test]
    fn an_edit_that_changes_a_quantity_must_say_which() {
        let error = serde_json::from_value::<CartEdit>(json!({"sku": "KIT-001", "action": "set"})).unwrap_err();
        assert!(error.to_string().contains("quantity"), "{error}");
        assert!(
            serde_json::from_value::<CartEdit>(json!({"sku": "KIT-001", "action": "swap", "quantity": 1})).is_err()
        );
    }
}
