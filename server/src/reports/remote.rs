//! The reports page's port in a process that does not run reports: the
//! report API at `reports_url`, as the administrator calling.

use crate::platform::upstream::Upstream;
use app::api::ErrorDetail;
use app::reports::CompletedOrdersReport;
use app::reports::ssr::ReportsApi;
use axum::http::Method;

pub struct RemoteReports(pub Upstream);

#[async_trait::async_trait]
impl ReportsApi for RemoteReports {
    async fn completed_orders(&self, months: u32) -> Result<CompletedOrdersReport, ErrorDetail> {
        let query = [("months", months.to_string())];
        let answer = self.0.call(Method::GET, "/api/reports/completed-orders", &query, None::<&()>, None).await?;
        Ok(answer.value)
    }
}
