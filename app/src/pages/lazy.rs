//! The micro-apps a shopper's first page does not need, each loaded when one
//! of its pages is first visited: `#[lazy]` marks each micro-app's view as a
//! split point, where `cargo xtask build` (wasm-split) cuts it into its own
//! chunk. One split point per micro-app, not per page: its pages share most
//! of their code, and fewer split points make fewer, larger shared chunks.

use leptos::prelude::*;
use leptos_router::LazyRoute;

/// A lazily loaded micro-app `$app` and a route type for each of its pages;
/// `$preload` is the name `#[lazy]` gives the function that loads its chunk.
macro_rules! micro_app {
    ($app:ident, $preload:ident { $($route:ident => $page:path),* $(,)? }) => {
        #[allow(non_camel_case_types, clippy::enum_variant_names)]
        #[repr(u8)]
        enum $app { $($route),* }

        /// The micro-app's page `which` (a `$app` as u8: split points take plain values).
        #[lazy]
        fn $app(which: u8) -> AnyView {
            $(if which == $app::$route as u8 {
                return $page().into_any();
            })*
            unreachable!("no such page")
        }

        $(
            #[derive(Debug)]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(_this: Self) -> AnyView {
                    $app($app::$route as u8).await
                }

                /// Loads the chunk before the page is shown, also before a
                /// server-rendered page is hydrated (which cannot wait halfway).
                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    $preload().await;
                }
            }
        )*
    };
}

micro_app!(cart_app, __preload_cart_app {
    CartRoute => super::CartPage,
    CheckoutRoute => super::CheckoutPage,
    PayRoute => super::PayPage,
    ConfirmationRoute => super::ConfirmationPage,
});

micro_app!(orders_app, __preload_orders_app {
    MyOrdersRoute => super::MyOrdersPage,
    OrderRoute => super::OrderPage,
    InvoiceRoute => super::InvoicePage,
    ReturnRoute => super::ReturnPage,
});

micro_app!(account_app, __preload_account_app {
    AccountRoute => super::AccountPage,
    SignInRoute => super::SignInPage,
    RegisterRoute => super::RegisterPage,
    ResetPasswordRoute => super::ResetPasswordPage,
});

micro_app!(reports_app, __preload_reports_app { CompletedOrdersRoute => super::CompletedOrdersPage });

micro_app!(admin_app, __preload_admin_app {
    InventoryRoute => super::InventoryPage,
    StockRoute => super::StockPage,
    ProductsRoute => super::ProductsPage,
    ProductEditRoute => super::ProductEditPage,
});

micro_app!(dispatch_app, __preload_dispatch_app {
    DispatchQueueRoute => super::DispatchQueuePage,
    DispatchOrderRoute => super::DispatchOrderPage,
    DispatchReturnsRoute => super::DispatchReturnsPage,
    PackingSlipRoute => super::PackingSlipPage,
});
