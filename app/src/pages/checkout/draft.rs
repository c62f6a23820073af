//! The checkout form's fields, kept on the device while the shopper types
//! (a draft survives a reload, a closed tab and a lost connection) and
//! forgotten once the order is placed, or when the account signs out.

use crate::orders::{AddressInput, CheckoutInput};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Draft {
    pub email: RwSignal<String>,
    pub name: RwSignal<String>,
    pub line1: RwSignal<String>,
    pub line2: RwSignal<String>,
    pub city: RwSignal<String>,
    pub postal_code: RwSignal<String>,
    pub country: RwSignal<String>,
}

impl Draft {
    /// The fields, filled from the draft kept on this device (in the browser).
    pub fn new() -> Self {
        let field = |value: &str| RwSignal::new(value.to_string());
        let draft = Self {
            email: field(""),
            name: field(""),
            line1: field(""),
            line2: field(""),
            city: field(""),
            postal_code: field(""),
            country: field("US"),
        };
        #[cfg(feature = "hydrate")]
        Effect::new(move |restored: Option<()>| {
            let input = draft.input();
            match restored {
                None => draft.restore(),
                Some(()) => crate::device::keep_draft(Some(&input)),
            }
        });
        draft
    }

    pub fn input(self) -> CheckoutInput {
        CheckoutInput {
            email: self.email.get(),
            shipping_address: AddressInput {
                name: self.name.get(),
                line1: self.line1.get(),
                line2: self.line2.get(),
                city: self.city.get(),
                postal_code: self.postal_code.get(),
                country: self.country.get(),
            },
        }
    }

    #[cfg(feature = "hydrate")]
    fn restore(self) {
        let Some(saved) = crate::device::draft() else { return };
        let a = saved.shipping_address;
        self.email.set(saved.email);
        self.name.set(a.name);
        self.line1.set(a.line1);
        self.line2.set(a.line2);
        self.city.set(a.city);
        self.postal_code.set(a.postal_code);
        self.country.set(a.country);
    }

    /// The order is placed: the draft has served.
    pub fn forget(self) {
        #[cfg(feature = "hydrate")]
        crate::device::keep_draft(None);
    }
}
