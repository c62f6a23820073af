//! One file per route: the shop, cart, checkout and confirmation micro-apps.

mod account;
mod cart;
mod checkout;
mod dispatch;
mod home;
mod not_found;
mod orders;
pub(crate) mod product;
mod reports;
mod search;

pub use account::{AccountPage, RegisterPage, SignInPage};
pub use cart::CartPage;
pub use checkout::{CheckoutPage, ConfirmationPage, PayPage};
pub use dispatch::{DispatchOrderPage, DispatchQueuePage, PackingSlipPage};
pub use home::HomePage;
pub use not_found::NotFound;
pub use orders::{MyOrdersPage, OrderPage};
pub use product::ProductPage;
pub use reports::CompletedOrdersPage;
pub use search::SearchPage;
