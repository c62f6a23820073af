//! How identity joins its process: its table, the OpenID Connect issuer the
//! settings name, the account API, and the ports that resolve callers (the
//! sessions port tracking checks, the identity port the account pages use),
//! or, when identity runs in another process, the same two over its API.

use super::remote::RemoteSessions;
use super::remote_api::RemoteIdentity;
use super::{Identity, oidc, routes, table_spec};
use crate::config::Settings;
use crate::contracts::ports::Sessions;
use crate::platform::upstream::Upstream;
use crate::registry::{Definition, Registry};
use crate::services::Service;
use app::account::ssr::SharedIdentity;
use std::sync::Arc;

pub const SERVICE: Definition = Definition {
    service: Service::Identity,
    tables: || vec![table_spec()],
    subscriptions: Vec::new,
    needs: &[],
    register: |r| Box::pin(register(r)),
    elsewhere: Some(elsewhere),
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let https = r.settings.public_url().starts_with("https://");
    let identity = Identity::open(r.store(), https, oidc_settings(r.settings)).await?.with_reset_links(r.secret);
    let identity = Arc::new(identity);
    // Identity consumes nothing; it publishes AccountDeleted and PasswordResetRequested.
    r.relay(identity.relay(r.hub.clone()));
    r.routes("/api/account", routes::router(identity.clone()));
    r.offer(identity.clone() as Arc<dyn Sessions>);
    r.page_context(identity.clone() as SharedIdentity);
    r.offer(identity);
    Ok(())
}

/// When identity runs at `url`: callers resolved by its API (`remote`),
/// and the account pages' port over it (`remote_api`).
fn elsewhere(r: &mut Registry<'_>, url: &str) -> anyhow::Result<()> {
    r.offer(Arc::new(RemoteSessions::new(url)?) as Arc<dyn Sessions>);
    r.page_context(Arc::new(RemoteIdentity(Upstream::new("accounts", url)?)) as SharedIdentity);
    Ok(())
}

/// The OpenID Connect issuer's settings, when one is configured.
fn oidc_settings(settings: &Settings) -> Option<oidc::OidcSettings> {
    let issuer = settings.oidc_issuer.clone()?;
    let client_id = settings.oidc_client_id.clone()?;
    Some(oidc::OidcSettings {
        issuer,
        audience: settings.oidc_audience.clone().unwrap_or_else(|| client_id.clone()),
        client_id,
        client_secret: settings.oidc_client_secret.clone(),
        roles_claim: settings.oidc_roles_claim.clone(),
        clock_skew: std::time::Duration::from_secs(settings.oidc_clock_skew_secs),
        redirect_url: format!("{}/api/account/oidc/callback", settings.public_url()),
    })
}
