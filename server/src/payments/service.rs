//! How payments join their process: the payments and simulated-provider
//! tables, the provider the settings name, the webhook route, the consumer
//! and the reconciliation (and simulated delivery) jobs, and the payments
//! port orders call.

use super::provider::PaymentProvider as Provider;
use super::simulated::{self, Simulated};
use super::stripe::Stripe;
use super::{PaymentEvents, Payments, table_spec, webhook};
use crate::config::{ExposeSecret, PaymentProvider, Settings};
use crate::contracts::ports;
use crate::platform::consumer::subscription;
use crate::platform::signing::hmac_sha256;
use crate::registry::{Definition, Registry};
use crate::services::Service;
use app::orders::PaymentSummary;
use std::sync::Arc;
use std::time::Duration;

pub const SERVICE: Definition = Definition {
    service: Service::Payments,
    // The simulated provider's own records (it stands in for Stripe's).
    tables: || vec![table_spec(), simulated::table_spec()],
    subscriptions: || vec![subscription::<PaymentEvents>()],
    needs: &[],
    register: |r| Box::pin(register(r)),
    elsewhere: None,
};

async fn register(r: &mut Registry<'_>) -> anyhow::Result<()> {
    let webhook_secret = r
        .settings
        .stripe_webhook_secret
        .as_ref()
        .map(|s| s.expose_secret().to_string())
        .unwrap_or_else(|| format!("whsec_{}", hex::encode(hmac_sha256(r.secret, b"simulated stripe webhooks"))));
    let http =
        reqwest::Client::builder().timeout(Duration::from_secs(10)).connect_timeout(Duration::from_secs(3)).build()?;
    let simulated = match r.settings.payment_provider {
        PaymentProvider::Simulated => {
            let webhooks = format!("{}/webhooks/stripe", r.settings.public_url());
            Some(Arc::new(Simulated::open(r.store(), http.clone(), webhooks, webhook_secret.clone()).await?))
        }
        PaymentProvider::Stripe => None,
    };
    let provider: Arc<dyn Provider> = match &simulated {
        Some(simulated) => simulated.clone(),
        None => stripe(r.settings, http),
    };
    let payments = Arc::new(Payments::open(r.store(), r.hub.clone(), provider, webhook_secret).await?);
    r.consumer(PaymentEvents(payments.clone()))?;
    r.relay(payments.relay());
    for job in payments.jobs(simulated) {
        r.job(job);
    }
    r.routes("/webhooks", webhook::router(payments.clone()));
    r.offer(payments.clone() as Arc<dyn ports::Payments>);
    r.offer(payments.clone() as Arc<dyn ports::OrderPart<PaymentSummary>>);
    r.offer(payments);
    Ok(())
}

fn stripe(settings: &Settings, http: reqwest::Client) -> Arc<dyn Provider> {
    let key = settings.stripe_secret_key.clone().expect("checked when the settings were loaded");
    Arc::new(Stripe::new(http, &settings.stripe_api_base, key.expose_secret().to_string()))
}
