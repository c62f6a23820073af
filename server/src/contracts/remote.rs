//! A service's part of the order page read over its API, for a process that
//! does not run that service (its URL is a setting): `GET <path of the
//! order id>` with the order's link token (the orders service has already
//! decided the reader may see the order; the token carries that authority,
//! as it does in the receipt's link). A 404 means the service has nothing
//! for the order yet.

use super::ports::OrderPart;
use crate::platform::signing::OrderLinks;
use crate::platform::upstream::{Upstream, segment};
use app::orders::OrderView;
use axum::http::Method;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

pub struct RemotePart<T> {
    api: Upstream,
    links: OrderLinks,
    /// The part's path under the API, before the (escaped) order id.
    prefix: &'static str,
    part: PhantomData<fn() -> T>,
}

impl<T> RemotePart<T> {
    pub fn new(api: Upstream, links: OrderLinks, prefix: &'static str) -> Self {
        Self { api, links, prefix, part: PhantomData }
    }
}

#[async_trait::async_trait]
impl<T: DeserializeOwned + Send> OrderPart<T> for RemotePart<T> {
    async fn of(&self, order: &OrderView) -> anyhow::Result<Option<T>> {
        let path = format!("{}{}", self.prefix, segment(&order.id));
        let token = [("token", self.links.token(&order.id))];
        match self.api.call(Method::GET, &path, &token, None::<&()>, Some("")).await {
            Ok(answer) => Ok(Some(answer.value)),
            Err(e) if e.status == Some(404) => Ok(None),
            Err(e) => Err(anyhow::anyhow!("{} answered {:?}: {e}", self.prefix, e.status)),
        }
    }
}
