//! Pieces shared by several pages.

mod layout;
mod product_card;
mod quantity;

pub use layout::{CartRevision, Footer, Header};
pub use product_card::ProductGrid;
pub use quantity::QuantityStepper;
