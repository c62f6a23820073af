//! A table that calls a hook before each call, for tests that count calls
//! or make some writes fail (a crash part-way).

use async_trait::async_trait;
use server::platform::store::{Condition, Item, Key, Page, Query, StoreError, Table, WriteOp};
use std::sync::Arc;

/// The kinds of call a [`Hooked`] table sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Get,
    Query,
    Put,
    Delete,
    Transaction,
    Batch,
}

type Hook = dyn Fn(Call) -> Result<(), StoreError> + Send + Sync;

pub struct Hooked {
    inner: Arc<dyn Table>,
    hook: Box<Hook>,
}

impl Hooked {
    /// `inner`, with `hook` called before each call; an error it returns is the call's.
    pub fn new(inner: Arc<dyn Table>, hook: impl Fn(Call) -> Result<(), StoreError> + Send + Sync + 'static) -> Self {
        Self { inner, hook: Box::new(hook) }
    }
}

#[async_trait]
impl Table for Hooked {
    fn name(&self) -> &str {
        self.inner.name()
    }
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        (self.hook)(Call::Get)?;
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<Item, StoreError> {
        (self.hook)(Call::Put)?;
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        (self.hook)(Call::Delete)?;
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        (self.hook)(Call::Query)?;
        self.inner.query(query).await
    }
    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        (self.hook)(Call::Transaction)?;
        self.inner.transact_write(ops).await
    }
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        (self.hook)(Call::Batch)?;
        self.inner.delete_batch(keys).await
    }
}
