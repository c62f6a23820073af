//! The dispatch pages' port in a process that does not run fulfilment:
//! fulfilment's API at `fulfilment_url`, as the dispatcher calling.

use crate::platform::upstream::{Upstream, segment};
use app::api::ErrorDetail;
use app::fulfilment::ssr::FulfilmentApi;
use app::fulfilment::{ProcessInput, ShippingOrderPage, ShippingOrderView};
use axum::http::Method;

pub struct RemoteFulfilment(pub Upstream);

const NO_BODY: Option<&()> = None;

#[async_trait::async_trait]
impl FulfilmentApi for RemoteFulfilment {
    async fn queue(
        &self,
        status: Option<String>,
        q: Option<String>,
        cursor: Option<String>,
    ) -> Result<ShippingOrderPage, ErrorDetail> {
        let query: Vec<(&str, String)> =
            [("status", status), ("q", q), ("cursor", cursor)].into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
        let path = "/api/fulfilment/shipping-orders";
        Ok(self.0.call(Method::GET, path, &query, NO_BODY, None).await?.value)
    }

    async fn get(&self, id: String) -> Result<ShippingOrderView, ErrorDetail> {
        let path = format!("/api/fulfilment/shipping-orders/{}", segment(&id));
        Ok(self.0.call(Method::GET, &path, &[], NO_BODY, None).await?.value)
    }

    /// The dispatcher is the caller whose credentials go along (`_dispatcher` is their name here).
    async fn process(
        &self,
        id: String,
        input: ProcessInput,
        _dispatcher: String,
    ) -> Result<ShippingOrderView, ErrorDetail> {
        let path = format!("/api/fulfilment/shipping-orders/{}/process", segment(&id));
        Ok(self.0.call(Method::POST, &path, &[], Some(&input), None).await?.value)
    }
}
