//! A table that calls a hook before each write, for tests that count writes
//! or make some of them fail (a crash part-way). Reads pass straight through.

use async_trait::async_trait;
use server::platform::store::{Condition, Item, Key, Page, Query, StoreError, Table, WriteOp};
use std::sync::Arc;

/// The kinds of write a [`Hooked`] table sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    Put,
    Delete,
    Transaction,
    Batch,
}

type Hook = dyn Fn(Write) -> Result<(), StoreError> + Send + Sync;

pub struct Hooked {
    inner: Arc<dyn Table>,
    hook: Box<Hook>,
}

impl Hooked {
    /// `inner`, with `hook` called before each write; an error it returns is the write's.
    pub fn new(inner: Arc<dyn Table>, hook: impl Fn(Write) -> Result<(), StoreError> + Send + Sync + 'static) -> Self {
        Self { inner, hook: Box::new(hook) }
    }
}

#[async_trait]
impl Table for Hooked {
    fn name(&self) -> &str {
        self.inner.name()
    }
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<Item, StoreError> {
        (self.hook)(Write::Put)?;
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        (self.hook)(Write::Delete)?;
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        (self.hook)(Write::Transaction)?;
        self.inner.transact_write(ops).await
    }
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        (self.hook)(Write::Batch)?;
        self.inner.delete_batch(keys).await
    }
}
