//! One file per route of the shop micro-app.

mod home;
mod not_found;
mod product;
mod search;

pub use home::HomePage;
pub use not_found::NotFound;
pub use product::ProductPage;
pub use search::SearchPage;
