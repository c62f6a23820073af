//! Scenario 1 (OrderPurchased) through the public HTTP API, with every
//! service and worker running: cart → order → stock reservation → payment
//! → signed webhook → confirmation → receipt e-mail + shipping order.
//! The flows run on the embedded backend in-process and, with the `aws`
//! feature, against a `tbs serve --backend aws` process on moto.

mod flows;
mod harness;
mod reports;
mod saga;
mod stripe;
