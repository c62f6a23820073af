//! The DynamoDB backend of the store port (`aws` feature). Each table is a
//! DynamoDB table named `<prefix><table>` with on-demand billing, key `pk`/`sk`
//! and one GSI per declared index. See [`codec`] for the item layout.
//!
//! Reads of the table are strongly consistent; reads of an index are
//! eventually consistent (DynamoDB offers nothing else for GSIs).

mod codec;
mod provision;

use super::{Condition, Item, Key, Page, Query, Store, StoreError, Table, TableSpec, WriteOp, validate_transaction};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, DeleteRequest, ReturnValue, TransactWriteItem, Update, WriteRequest,
};
use codec::{Expr, check_condition, condition, decode, index_pk, index_sk, key_attributes, put_update};
use std::sync::Arc;

/// The most requests one BatchWriteItem call takes.
const BATCH_WRITE_MAX: usize = 25;

fn backend<E: std::error::Error + 'static, R: std::fmt::Debug>(e: SdkError<E, R>) -> StoreError {
    StoreError::Backend(DisplayErrorContext(e).to_string())
}

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Invalid(format!("bad DynamoDB request: {e}"))
}

/// DynamoDB tables sharing a name prefix (e.g. `tbs-`), reached through one client.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    prefix: String,
    create_missing: bool,
}

impl DynamoStore {
    /// `create_missing`: create tables on first open (tests, local moto);
    /// otherwise a missing table is an error telling to run `tbs infra apply`.
    pub fn new(client: Client, prefix: impl Into<String>, create_missing: bool) -> Self {
        Self { client, prefix: prefix.into(), create_missing }
    }

    fn physical(&self, spec: &TableSpec) -> String {
        format!("{}{}", self.prefix, spec.name)
    }
}

#[async_trait]
impl Store for DynamoStore {
    async fn open_table(&self, spec: &TableSpec) -> Result<Arc<dyn Table>, StoreError> {
        let name = self.physical(spec);
        if self.create_missing {
            self.ensure_table(spec).await?;
        } else if let Err(e) = self.client.describe_table().table_name(&name).send().await {
            if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) {
                return Err(StoreError::Invalid(format!(
                    "DynamoDB table {name} does not exist; run `tbs infra apply`"
                )));
            }
            return Err(backend(e));
        }
        Ok(Arc::new(DynamoTable { client: self.client.clone(), name, spec: spec.clone() }))
    }
}

pub struct DynamoTable {
    client: Client,
    name: String,
    spec: TableSpec,
}

impl DynamoTable {
    fn update_for(&self, item: &Item, c: Condition) -> Result<Update, StoreError> {
        let mut expr = Expr::default();
        let update = put_update(&mut expr, &self.spec, item)?;
        let cond = condition(&mut expr, c);
        Update::builder()
            .table_name(&self.name)
            .set_key(Some(key_attributes(&item.key)))
            .update_expression(update)
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .build()
            .map_err(build_error)
    }

    fn transact_item(&self, op: &WriteOp) -> Result<TransactWriteItem, StoreError> {
        let mut expr = Expr::default();
        Ok(match op {
            WriteOp::Put { item, condition } => {
                TransactWriteItem::builder().update(self.update_for(item, *condition)?).build()
            }
            WriteOp::Delete { key, condition: c } => {
                let cond = condition(&mut expr, *c);
                let delete = Delete::builder()
                    .table_name(&self.name)
                    .set_key(Some(key_attributes(key)))
                    .set_condition_expression(cond)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .build()
                    .map_err(build_error)?;
                TransactWriteItem::builder().delete(delete).build()
            }
            WriteOp::Check { key, condition: c } => {
                let cond = check_condition(&mut expr, *c);
                let check = ConditionCheck::builder()
                    .table_name(&self.name)
                    .set_key(Some(key_attributes(key)))
                    .condition_expression(cond)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .build()
                    .map_err(build_error)?;
                TransactWriteItem::builder().condition_check(check).build()
            }
        })
    }
}

#[async_trait]
impl Table for DynamoTable {
    fn name(&self) -> &str {
        &self.spec.name
    }

    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(key_attributes(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        out.item().map(|attrs| decode(&self.spec, attrs)).transpose()
    }

    async fn put(&self, item: Item, c: Condition) -> Result<Item, StoreError> {
        let u = self.update_for(&item, c)?;
        let out = self
            .client
            .update_item()
            .table_name(&self.name)
            .set_key(Some(u.key))
            .update_expression(u.update_expression)
            .set_condition_expression(u.condition_expression)
            .set_expression_attribute_names(u.expression_attribute_names)
            .set_expression_attribute_values(u.expression_attribute_values)
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match out {
            Ok(out) => decode(
                &self.spec,
                out.attributes().ok_or_else(|| StoreError::Backend("no attributes returned".into()))?,
            ),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Err(StoreError::ConditionFailed(item.key))
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn delete(&self, key: &Key, c: Condition) -> Result<(), StoreError> {
        let mut expr = Expr::default();
        let cond = condition(&mut expr, c);
        let out = self
            .client
            .delete_item()
            .table_name(&self.name)
            .set_key(Some(key_attributes(key)))
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .send()
            .await;
        match out {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Err(StoreError::ConditionFailed(key.clone()))
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn query(&self, q: Query) -> Result<Page, StoreError> {
        if q.limit == 0 {
            return Err(StoreError::Invalid("query limit must be at least 1".into()));
        }
        let index = q.index.as_deref();
        if let Some(i) = index.filter(|i| !self.spec.indexes.iter().any(|d| d == i)) {
            return Err(StoreError::Invalid(format!("no index named {i:?}")));
        }
        let (pk_attr, sk_attr) = match index {
            Some(i) => (index_pk(i), index_sk(i)),
            None => ("pk".to_string(), "sk".to_string()),
        };
        let mut expr = Expr::default();
        let key_condition = codec::key_condition(&mut expr, &pk_attr, &sk_attr, &q.partition, &q.sort_key);
        let out = self
            .client
            .query()
            .table_name(&self.name)
            .set_index_name(q.index.clone())
            .key_condition_expression(key_condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .scan_index_forward(q.forward)
            .limit(i32::try_from(q.limit).unwrap_or(i32::MAX))
            .set_exclusive_start_key(q.start_after.as_ref().map(|c| codec::start_key(index, c)))
            .consistent_read(index.is_none())
            .send()
            .await
            .map_err(backend)?;
        let items = out.items().iter().map(|attrs| decode(&self.spec, attrs)).collect::<Result<Vec<_>, _>>()?;
        let next = out.last_evaluated_key().and_then(|last| codec::cursor(index, last));
        Ok(Page { items, next })
    }

    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        let items = ops.iter().map(|op| self.transact_item(op)).collect::<Result<Vec<_>, _>>()?;
        // DynamoDB cancels a transaction that meets another one in progress on
        // the same item (TransactionConflict) without judging its conditions:
        // retried, it is judged against the winner's write.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await;
            let Err(e) = sent else { return Ok(()) };
            if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = e.as_service_error() {
                let reasons = cancelled.cancellation_reasons();
                if let Some(index) = reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed")) {
                    return Err(StoreError::TransactionCancelled { index, key: ops[index].key().clone() });
                }
                if attempt < 5 && reasons.iter().any(|r| r.code() == Some("TransactionConflict")) {
                    tokio::time::sleep(std::time::Duration::from_millis(10 << attempt)).await;
                    continue;
                }
            }
            return Err(backend(e));
        }
    }

    /// BatchWriteItem, 25 deletes a call; what DynamoDB leaves unprocessed
    /// (throttling) is sent again, a few times with a growing pause.
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        let mut keys = keys;
        keys.sort();
        keys.dedup();
        for chunk in keys.chunks(BATCH_WRITE_MAX) {
            let mut pending = chunk
                .iter()
                .map(|key| {
                    let delete = DeleteRequest::builder().set_key(Some(key_attributes(key))).build();
                    Ok(WriteRequest::builder()
                        .delete_request(delete.map_err(|e| StoreError::Invalid(e.to_string()))?)
                        .build())
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            for attempt in 0.. {
                let sent = self.client.batch_write_item().request_items(&self.name, pending).send().await;
                let out = sent.map_err(backend)?;
                pending = out.unprocessed_items().and_then(|left| left.get(&self.name)).cloned().unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                if attempt == 5 {
                    return Err(StoreError::Backend(format!("{} deletes left unprocessed", pending.len())));
                }
                tokio::time::sleep(std::time::Duration::from_millis(10 << attempt)).await;
            }
        }
        Ok(())
    }
}
