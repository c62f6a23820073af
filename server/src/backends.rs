//! The configured backend: the embedded store and hub (redb), or DynamoDB
//! and EventBridge + SQS (the `aws` feature), and creating the AWS resources
//! (`tbs infra apply`).

use crate::config::{Backend, Settings};
use crate::platform::hub::{EmbeddedHub, EventHub, Subscription};
use crate::platform::store::{EmbeddedStore, MeteredStore, StagedDelivery, Store};
#[cfg(feature = "aws")]
use crate::startup::{subscriptions, table_specs};
use std::sync::{Arc, Weak};

/// The configured backend's store, its calls counted in DynamoDB's capacity units.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = match settings.backend {
        Backend::Embedded => Arc::new(EmbeddedStore::open(&settings.data_dir)?),
        Backend::Aws => aws::store(settings).await?,
    };
    Ok(Arc::new(MeteredStore::new(store)))
}

/// The configured backend's event hub.
pub async fn open_hub(
    settings: &Settings,
    store: &dyn Store,
    subscriptions: Vec<Subscription>,
) -> anyhow::Result<Arc<dyn EventHub>> {
    match settings.backend {
        Backend::Embedded => {
            let hub = Arc::new(EmbeddedHub::open(store, subscriptions).await?);
            // Events staged in a service's outbox are queued in the commit
            // that stages them, with no relay in between.
            let to: Weak<dyn StagedDelivery> = Arc::downgrade(&hub) as _;
            store.deliver_staged(crate::platform::outbox::OUTBOX, to);
            Ok(hub)
        }
        Backend::Aws => aws::hub(settings, store).await,
    }
}

/// Creates every table, the bus, and each consumer's rule and queues.
pub async fn infra_apply(settings: &Settings) -> anyhow::Result<Vec<String>> {
    aws::apply(settings).await
}

#[cfg(feature = "aws")]
mod aws {
    use super::*;
    use crate::platform::aws::clients_from_env;
    use crate::platform::hub::FaultLog;
    use crate::platform::hub::aws::AwsHub;
    use crate::platform::store::dynamodb::DynamoStore;

    pub async fn store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
        let clients = clients_from_env().await;
        Ok(Arc::new(DynamoStore::new(clients.dynamodb, &settings.aws_prefix, false)))
    }

    pub async fn hub(settings: &Settings, store: &dyn Store) -> anyhow::Result<Arc<dyn EventHub>> {
        let faults = FaultLog::new(store.open_table(&crate::platform::hub::table_spec()).await?);
        Ok(Arc::new(AwsHub::new(&clients_from_env().await, &settings.aws_prefix, faults)))
    }

    pub async fn apply(settings: &Settings) -> anyhow::Result<Vec<String>> {
        let clients = clients_from_env().await;
        let dynamo = DynamoStore::new(clients.dynamodb.clone(), &settings.aws_prefix, false);
        let mut done = Vec::new();
        for spec in table_specs() {
            let created = dynamo.ensure_table(&spec).await?;
            done.push(format!(
                "table {}{}: {}",
                settings.aws_prefix,
                spec.name,
                if created { "created" } else { "exists" }
            ));
        }
        done.extend(crate::platform::hub::aws::apply(&clients, &settings.aws_prefix, &subscriptions()).await?);
        Ok(done)
    }
}

#[cfg(not(feature = "aws"))]
mod aws {
    use super::*;

    const MISSING: &str =
        "this tbs was built without the `aws` feature; build it with `cargo build --release -p server --features aws`";

    pub async fn store(_: &Settings) -> anyhow::Result<Arc<dyn Store>> {
        anyhow::bail!(MISSING)
    }

    pub async fn hub(_: &Settings, _: &dyn Store) -> anyhow::Result<Arc<dyn EventHub>> {
        anyhow::bail!(MISSING)
    }

    pub async fn apply(_: &Settings) -> anyhow::Result<Vec<String>> {
        anyhow::bail!(MISSING)
    }
}
