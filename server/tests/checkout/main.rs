//! Scenario 1 (OrderPurchased) through the public HTTP API, with every
//! service and worker running: cart → order → stock reservation → payment
//! → signed webhook → confirmation → receipt e-mail + shipping order.
//! The flows run on the embedded backend in-process and, with the `aws`
//! feature, against a `tbs serve --backend aws` process on moto.

/// Defines `$flow::embedded` and (with `aws`) `$flow::aws_on_moto`, each running `$flow(store)`.
macro_rules! on_both_backends {
    ($flow:ident, payment_timeout_secs = $timeout:expr) => {
        mod $flow {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                super::$flow(crate::harness::embedded($timeout).await).await
            }

            #[cfg(feature = "aws")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn aws_on_moto() {
                super::$flow(crate::harness::aws($timeout).await).await
            }
        }
    };
}

mod accounts;
mod autonomy;
mod dispatch;
mod flows;
mod harness;
mod inventory;
mod invoices;
mod privacy;
mod products;
mod reports;
mod returns;
mod saga;
mod stripe;
