//! How notifications join their process: the table, the mailer the settings
//! name (SMTP, or files), and the mailer consuming the events shoppers hear of.

use super::{Letters, Mailer, Notifications, OrderLink, ResetLink, ShopperMailer, table_spec};
use crate::config::ExposeSecret;
use crate::platform::consumer::subscription;
use crate::platform::signing::Signer;
use crate::registry::{Definition, Registry};
use crate::services::Service;
use std::sync::Arc;

pub const SERVICE: Definition = Definition {
    service: Service::Notifications,
    tables: || vec![table_spec()],
    subscriptions: || vec![subscription::<ShopperMailer>()],
    needs: &[],
    register: |r| Box::pin(register(r)),
    elsewhere: None,
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let mailer = match &r.settings.smtp_url {
        Some(url) => Mailer::smtp(url.expose_secret())?,
        None => Mailer::files(r.settings.mail_dir())?,
    };
    let (links, public_url) = (r.links.clone(), r.settings.public_url());
    let order_link: OrderLink = Arc::new(move |id: &str| format!("{public_url}/orders/{id}?token={}", links.token(id)));
    let settings = r.settings;
    let mut return_address = vec![settings.seller_name.clone()];
    return_address.extend(settings.seller_address_lines());
    let letters = Letters { from: settings.mail_from.clone(), return_address, order_link, reset_link: reset_link(r) };
    let notifications = Arc::new(Notifications::open(r.store(), r.hub.clone(), mailer, letters).await?);
    r.consumer(ShopperMailer(notifications.clone()))?;
    r.relay(notifications.relay());
    r.offer(notifications);
    Ok(())
}

/// `<public URL>/account/reset-password?token=<account>.<nonce>.<signature>`,
/// signed with the store's key for password-reset links, which identity checks.
fn reset_link(r: &Registry<'_>) -> ResetLink {
    let signer = Signer::new(r.secret, crate::contracts::PASSWORD_RESET_LINK);
    let public_url = r.settings.public_url();
    Arc::new(move |account: &str, nonce: &str| {
        format!("{public_url}/account/reset-password?token={}", signer.sign(&format!("{account}.{nonce}")))
    })
}
