//! Pieces shared by several pages.

mod device;
mod layout;
mod order_summary;
mod post_form;
mod print;
mod product_card;
mod quantity;
mod refused;

pub use device::{SavedCopyNotice, StatusBar, UpdateBanner};
pub use layout::{AccountRevision, CartRevision, Footer, Header};
pub use order_summary::OrderSummary;
pub use post_form::{FormAction, FormFunction, PostForm};
pub use print::PrintButton;
pub use product_card::ProductGrid;
pub use quantity::QuantityStepper;
pub use refused::{refusal, refused};
