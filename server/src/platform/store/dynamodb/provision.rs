//! Creating a table (`tbs infra apply`, or on first open against moto):
//! on-demand billing, key `pk`/`sk`, one GSI per declared index. A table
//! that exists gains the indexes declared since it was made (one at a
//! time, as DynamoDB allows), so a release that adds one needs only
//! `tbs infra apply`. Every table has its time to live on, so DynamoDB
//! removes items past their `expires_at`.

use super::codec::{EXPIRES_AT, index_pk, index_sk};
use super::{DynamoStore, backend, build_error};
use crate::platform::store::{StoreError, TableSpec};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification, TimeToLiveStatus,
};

impl DynamoStore {
    /// Creates the table unless it exists (idempotent), with its indexes and
    /// its time to live on. Returns true if created.
    pub async fn ensure_table(&self, spec: &TableSpec) -> Result<bool, StoreError> {
        let name = self.physical(spec);
        let created = self.create_or_extend(&name, spec).await?;
        self.ensure_time_to_live(&name).await?;
        Ok(created)
    }

    /// Creates table `name`, or adds the indexes it lacks. Returns true if created.
    async fn create_or_extend(&self, name: &str, spec: &TableSpec) -> Result<bool, StoreError> {
        match self.client.describe_table().table_name(name).send().await {
            Ok(found) => {
                let have: Vec<String> = found
                    .table()
                    .map(|t| {
                        t.global_secondary_indexes().iter().filter_map(|i| i.index_name().map(String::from)).collect()
                    })
                    .unwrap_or_default();
                for index in spec.indexes.iter().filter(|i| !have.contains(i)) {
                    self.add_index(name, index).await?;
                }
                return Ok(false);
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(backend(e)),
        }
        let attribute = |n: &str| {
            AttributeDefinition::builder()
                .attribute_name(n)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_error)
        };
        let key = |n: &str, t: KeyType| {
            KeySchemaElement::builder().attribute_name(n).key_type(t).build().map_err(build_error)
        };
        let mut create = self
            .client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute("pk")?)
            .attribute_definitions(attribute("sk")?)
            .key_schema(key("pk", KeyType::Hash)?)
            .key_schema(key("sk", KeyType::Range)?);
        for index in &spec.indexes {
            let (ipk, isk) = (index_pk(index), index_sk(index));
            create = create
                .attribute_definitions(attribute(&ipk)?)
                .attribute_definitions(attribute(&isk)?)
                .global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(index)
                        .key_schema(key(&ipk, KeyType::Hash)?)
                        .key_schema(key(&isk, KeyType::Range)?)
                        .projection(Projection::builder().projection_type(ProjectionType::All).build())
                        .build()
                        .map_err(build_error)?,
                );
        }
        match create.send().await {
            Ok(_) => {}
            // Created by someone else meanwhile: fine.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => return Ok(false),
            Err(e) => return Err(backend(e)),
        }
        self.wait_active(name).await?;
        Ok(true)
    }

    /// Turns on the time to live of table `name` on its items' `expires_at`,
    /// unless it is on (or turning on) already.
    async fn ensure_time_to_live(&self, name: &str) -> Result<(), StoreError> {
        let found = self.client.describe_time_to_live().table_name(name).send().await.map_err(backend)?;
        let status = found.time_to_live_description().and_then(|d| d.time_to_live_status());
        if status.is_some_and(|s| matches!(s, TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)) {
            return Ok(());
        }
        let on = TimeToLiveSpecification::builder().enabled(true).attribute_name(EXPIRES_AT).build();
        let update = self.client.update_time_to_live().table_name(name);
        update.time_to_live_specification(on.map_err(build_error)?).send().await.map_err(backend)?;
        tracing::info!(table = name, "time to live turned on");
        Ok(())
    }

    /// Adds GSI `index` to the existing table `name`, and waits until it is built.
    async fn add_index(&self, name: &str, index: &str) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{CreateGlobalSecondaryIndexAction, GlobalSecondaryIndexUpdate};
        let (ipk, isk) = (index_pk(index), index_sk(index));
        let attribute =
            |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build();
        let key = |n: &str, t: KeyType| KeySchemaElement::builder().attribute_name(n).key_type(t).build();
        let create = CreateGlobalSecondaryIndexAction::builder()
            .index_name(index)
            .key_schema(key(&ipk, KeyType::Hash).map_err(build_error)?)
            .key_schema(key(&isk, KeyType::Range).map_err(build_error)?)
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .map_err(build_error)?;
        self.client
            .update_table()
            .table_name(name)
            .attribute_definitions(attribute(&ipk).map_err(build_error)?)
            .attribute_definitions(attribute(&isk).map_err(build_error)?)
            .global_secondary_index_updates(GlobalSecondaryIndexUpdate::builder().create(create).build())
            .send()
            .await
            .map_err(backend)?;
        tracing::info!(table = name, index, "index added");
        self.wait_active(name).await
    }

    async fn wait_active(&self, name: &str) -> Result<(), StoreError> {
        for _ in 0..120 {
            let table = self.client.describe_table().table_name(name).send().await.map_err(backend)?;
            let ready = table.table().is_some_and(|t| {
                let built = t
                    .global_secondary_indexes()
                    .iter()
                    .all(|i| i.index_status().is_none_or(|s| s.as_str() == "ACTIVE"));
                t.table_status().is_some_and(|s| s.as_str() == "ACTIVE") && built
            });
            if ready {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        Err(StoreError::Backend(format!("table {name} (or an index of it) did not become active within a minute")))
    }
}
