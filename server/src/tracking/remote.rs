//! The order page's timeline in a process that does not run tracking:
//! tracking's API at `tracking_url`, asked with the order's link token (the
//! orders service has already decided the reader may see the order; the
//! token carries that authority, as it does in the receipt's link).

use crate::contracts::ports::OrderPart;
use crate::platform::signing::OrderLinks;
use crate::platform::upstream::{Upstream, segment};
use app::orders::OrderView;
use app::tracking::Timeline;
use axum::http::Method;

pub struct RemoteTimeline {
    pub api: Upstream,
    pub links: OrderLinks,
}

#[async_trait::async_trait]
impl OrderPart<Timeline> for RemoteTimeline {
    async fn of(&self, order: &OrderView) -> anyhow::Result<Option<Timeline>> {
        let path = format!("/api/tracking/orders/{}", segment(&order.id));
        let token = [("token", self.links.token(&order.id))];
        match self.api.call(Method::GET, &path, &token, None::<&()>, Some("")).await {
            Ok(answer) => Ok(Some(answer.value)),
            Err(e) if e.status == Some(404) => Ok(None),
            Err(e) => Err(anyhow::anyhow!("tracking answered {:?}: {e}", e.status)),
        }
    }
}
