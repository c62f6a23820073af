//! The micro-apps a shopper's first page does not need, each loaded when one
//! of its pages is first visited: `#[lazy]` marks each micro-app's view as a
//! split point, where `cargo xtask build` (wasm-split) cuts it into its own
//! chunk. One split point per micro-app (signing in apart from the account
//! page), not per page: a micro-app's pages share most of their code. What
//! micro-apps share is one chunk more (`xtask/src/bundle.rs`).
//!
//! Every such page is a [`MicroAppPage`], one type for all of them: the
//! router's code for a route is made once per type, so 21 pages of one type
//! cost the first download what five path shapes do, not 21 routes.

use leptos::prelude::*;
use leptos::tachys::prelude::IntoMaybeErased;
use leptos_router::{ChooseView, IntoChooseViewMaybeErased, NestedRoute, PossibleRouteMatch, SsrMode};

/// A page of a lazily loaded micro-app, as a route's view: which micro-app,
/// and which of its pages.
#[derive(Clone, Copy, Debug)]
pub struct MicroAppPage {
    app: MicroApp,
    page: u8,
}

/// The route of a micro-app's `page` at `path`, rendered whole on the server.
/// One component for them all, so making a page's route is written once per
/// path shape rather than at every route.
#[component(transparent)]
pub fn PageRoute<Segments>(path: Segments, page: MicroAppPage) -> <PageRouteOf<Segments> as IntoMaybeErased>::Output
where
    Segments: PossibleRouteMatch + Clone + Send + Sync + 'static,
    PageRouteOf<Segments>: IntoMaybeErased,
{
    page_route(path, page)
}

/// Kept out of line: inlined, it would be written again at each of the 21 routes.
#[inline(never)]
fn page_route<Segments>(path: Segments, page: MicroAppPage) -> <PageRouteOf<Segments> as IntoMaybeErased>::Output
where
    Segments: PossibleRouteMatch + Clone + Send + Sync + 'static,
    PageRouteOf<Segments>: IntoMaybeErased,
{
    NestedRoute::new(path, page).ssr_mode(SsrMode::Async).into_maybe_erased()
}

type PageRouteOf<Segments> = NestedRoute<Segments, (), (), <MicroAppPage as IntoChooseViewMaybeErased>::Output>;

/// The micro-apps `$app`, with a constant for each of its pages; `$preload`
/// is the name `#[lazy]` gives the function that loads `$app`'s chunk.
macro_rules! micro_apps {
    ($($variant:ident: $app:ident, $preload:ident { $($route:ident => $page:path),* $(,)? })*) => {
        #[derive(Clone, Copy, Debug)]
        enum MicroApp { $($variant),* }

        $(
            #[allow(non_camel_case_types, clippy::enum_variant_names, clippy::upper_case_acronyms)]
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

            $(pub const $route: MicroAppPage = MicroAppPage { app: MicroApp::$variant, page: $app::$route as u8 };)*
        )*

        impl ChooseView for MicroAppPage {
            async fn choose(self) -> AnyView {
                match self.app {
                    $(MicroApp::$variant => $app(self.page).await,)*
                }
            }

            /// Loads the chunk before the page is shown, also before a
            /// server-rendered page is hydrated (which cannot wait halfway).
            async fn preload(&self) {
                #[cfg(feature = "hydrate")]
                match self.app {
                    $(MicroApp::$variant => $preload().await,)*
                }
            }
        }
    };
}

micro_apps! {
    Cart: cart_app, __preload_cart_app {
        CART => super::CartPage,
        CHECKOUT => super::CheckoutPage,
        PAY => super::PayPage,
        CONFIRMATION => super::ConfirmationPage,
    }
    Orders: orders_app, __preload_orders_app {
        MY_ORDERS => super::MyOrdersPage,
        ORDER => super::OrderPage,
        INVOICE => super::InvoicePage,
        RETURN => super::ReturnPage,
    }
    // Signing in apart from the account page: a shopper sent to sign in at
    // checkout does not download the account page's forms.
    SignIn: sign_in_app, __preload_sign_in_app {
        SIGN_IN => super::SignInPage,
        REGISTER => super::RegisterPage,
        RESET_PASSWORD => super::ResetPasswordPage,
    }
    Account: account_app, __preload_account_app { ACCOUNT => super::AccountPage }
    Reports: reports_app, __preload_reports_app { COMPLETED_ORDERS => super::CompletedOrdersPage }
    Admin: admin_app, __preload_admin_app {
        INVENTORY => super::InventoryPage,
        STOCK => super::StockPage,
        PRODUCTS => super::ProductsPage,
        PRODUCT_EDIT => super::ProductEditPage,
    }
    Dispatch: dispatch_app, __preload_dispatch_app {
        DISPATCH_QUEUE => super::DispatchQueuePage,
        DISPATCH_ORDER => super::DispatchOrderPage,
        DISPATCH_RETURNS => super::DispatchReturnsPage,
        PACKING_SLIP => super::PackingSlipPage,
    }
}
