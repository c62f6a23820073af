//! One file per route: the shop, cart, checkout and confirmation micro-apps.

mod cart;
mod home;
mod not_found;
pub(crate) mod product;
mod search;

pub use cart::CartPage;
pub use home::HomePage;
pub use not_found::NotFound;
pub use product::ProductPage;
pub use search::SearchPage;
