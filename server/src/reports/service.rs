//! How reports join their process: the view's table, the folder of
//! confirmed and cancelled orders, the report API and the reports page's port
//! (its API when reports run in another process).

use super::remote::RemoteReports;
use super::{ReportFolder, Reports, routes, table_spec};
use crate::platform::consumer::subscription;
use crate::platform::upstream::Upstream;
use crate::registry::{Definition, Registry};
use crate::services::Service;
use app::reports::ssr::SharedReports;
use std::sync::Arc;

pub const SERVICE: Definition = Definition {
    service: Service::Reports,
    tables: || vec![table_spec()],
    subscriptions: || vec![subscription::<ReportFolder>()],
    needs: &[],
    register: |r| Box::pin(register(r)),
    elsewhere: Some(elsewhere),
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let reports = Arc::new(Reports::open(r.store()).await?);
    // A view publishes nothing, so it has no relay.
    r.consumer(ReportFolder::new(reports.clone()))?;
    r.routes("/api/reports", routes::router(reports.clone()));
    r.page_context(reports as SharedReports);
    Ok(())
}

/// The reports page's port, when reports run at `url`.
fn elsewhere(r: &mut Registry<'_>, url: &str) -> anyhow::Result<()> {
    r.page_context(Arc::new(RemoteReports(Upstream::new("reports", url)?)) as SharedReports);
    Ok(())
}
