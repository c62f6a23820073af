//! One file per route: the shop, cart, checkout and confirmation micro-apps.

mod account;
pub(crate) mod cart;
mod checkout;
mod dispatch;
mod dispatch_order;
mod dispatch_returns;
mod home;
mod inventory;
mod invoice;
mod lazy;
mod not_found;
mod orders;
mod product;
mod products;
mod reports;
mod returns;
mod search;

pub use account::{AccountPage, RegisterPage, ResetPasswordPage, SignInPage};
pub use cart::CartPage;
pub use checkout::{CheckoutPage, ConfirmationPage, PayPage};
pub use dispatch::{DispatchQueuePage, PackingSlipPage};
pub use dispatch_order::DispatchOrderPage;
pub use dispatch_returns::DispatchReturnsPage;
pub use home::HomePage;
pub use inventory::{InventoryPage, StockPage};
pub use invoice::InvoicePage;
pub use lazy::*;
pub use not_found::NotFound;
pub use orders::{MyOrdersPage, OrderPage};
pub use product::ProductPage;
pub use products::{ProductEditPage, ProductsPage};
pub use reports::CompletedOrdersPage;
pub use returns::ReturnPage;
pub use search::SearchPage;

use leptos::prelude::ServerFnError;

/// A server function's error as a shopper should read it: the store's own
/// message, or plain words when the store could not be reached (never the
/// browser's technical error).
pub fn shopper_message(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(message) => message.clone(),
        _ => "We could not reach the store. Check your connection and try again.".into(),
    }
}
