//! How tracking joins its process: the timeline's table, the view consuming
//! the order's events, and the timeline API (which checks sessions through
//! identity's port); elsewhere, the order page's timeline over that API.

use super::{Tracking, TrackingView, routes, table_spec};
use crate::contracts::ports::{OrderPart, Sessions};
use crate::contracts::remote::RemotePart;
use crate::platform::consumer::subscription;
use crate::platform::upstream::Upstream;
use crate::registry::{Definition, Registry};
use crate::services::Service;
use app::tracking::Timeline;
use std::sync::Arc;

pub const SERVICE: Definition = Definition {
    service: Service::Tracking,
    tables: || vec![table_spec()],
    subscriptions: || vec![subscription::<TrackingView>()],
    needs: &[],
    register: |r| Box::pin(register(r)),
    elsewhere: Some(elsewhere),
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let tracking = Arc::new(Tracking::open(r.store(), r.links.clone()).await?);
    // A view publishes nothing, so it has no relay.
    r.consumer(TrackingView(tracking.clone()))?;
    r.routes("/api/tracking", routes::router(tracking.clone(), r.port::<Arc<dyn Sessions>>()?));
    r.offer(tracking.clone() as Arc<dyn OrderPart<Timeline>>);
    r.offer(tracking);
    Ok(())
}

/// The order page's timeline, when tracking runs at `url`.
fn elsewhere(r: &mut Registry<'_>, url: &str) -> anyhow::Result<()> {
    let remote = RemotePart::<Timeline>::new(Upstream::new("tracking", url)?, r.links.clone(), "/api/tracking/orders/");
    r.offer(Arc::new(remote) as Arc<dyn OrderPart<Timeline>>);
    Ok(())
}
