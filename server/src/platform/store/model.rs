//! The store's data model: keys, items, conditions, queries and pages.

pub use super::attrs::Attrs;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::collections::BTreeMap;
use std::fmt;

/// The primary key of an item: partition key plus sort key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.pk, self.sk)
    }
}

/// A stored item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub key: Key,
    /// The keys this item is projected under in each secondary index, by
    /// index name. An item absent from an index simply has no entry here
    /// (a sparse index, as in DynamoDB).
    #[serde(default)]
    pub indexes: BTreeMap<String, Key>,
    /// Set by the store on every write: 1 when created, then +1. Callers pass
    /// it back through [`super::Table::update`] for optimistic locking; the
    /// value a caller puts in a new item is ignored.
    #[serde(default)]
    pub version: u64,
    /// The item's attributes: a JSON object (see [`Attrs`]).
    pub attrs: Attrs,
    /// When the store may remove the item (Unix seconds, UTC): the embedded
    /// store removes it within minutes of that instant, DynamoDB (the table's
    /// time to live) within days. Until then reads may still return it: a
    /// record whose expiry matters to its reader (a session) carries that
    /// instant itself and checks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl Item {
    /// A new item with the given attributes.
    pub fn new(key: Key, attrs: impl Into<Attrs>) -> Self {
        Self { key, indexes: BTreeMap::new(), version: 0, attrs: attrs.into(), expires_at: None }
    }

    /// The item, to be removed by the store after `at` (see [`Item::expires_at`]).
    pub fn expiring_at(mut self, at: time::OffsetDateTime) -> Self {
        self.expires_at = Some(at.unix_timestamp());
        self
    }

    /// A new item holding `record` serialised as its attributes.
    pub fn from_record<T: Serialize>(key: Key, record: &T) -> Result<Self, super::StoreError> {
        let attrs = Attrs::of(record).map_err(|e| super::StoreError::Invalid(format!("unserialisable record: {e}")))?;
        Ok(Self::new(key, attrs))
    }

    /// Projects the item into `index` under `key`.
    pub fn with_index(mut self, index: impl Into<String>, key: Key) -> Self {
        self.indexes.insert(index.into(), key);
        self
    }

    /// The attributes read back as a record (straight from their JSON text
    /// when they have not been changed by name).
    pub fn record<T: DeserializeOwned>(&self) -> Result<T, super::StoreError> {
        self.attrs.record().map_err(|e| super::StoreError::Backend(format!("item {} does not decode: {e}", self.key)))
    }
}

/// A precondition on the item a write touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Always write.
    None,
    /// Only if no item has this key.
    NotExists,
    /// Only if an item has this key.
    Exists,
    /// Only if the stored item has exactly this version (0 means: absent).
    Version(u64),
}

impl Condition {
    /// Whether the condition holds given the currently stored version (None: absent).
    pub fn holds(self, current: Option<u64>) -> bool {
        match self {
            Condition::None => true,
            Condition::NotExists => current.is_none(),
            Condition::Exists => current.is_some(),
            Condition::Version(0) => current.is_none(),
            Condition::Version(v) => current == Some(v),
        }
    }
}

/// A condition on the sort key within one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortKeyCondition {
    All,
    Equals(String),
    BeginsWith(String),
    /// Inclusive on both ends, like DynamoDB's BETWEEN.
    Between(String, String),
    GreaterThan(String),
    LessThan(String),
}

impl SortKeyCondition {
    pub fn matches(&self, sk: &str) -> bool {
        match self {
            SortKeyCondition::All => true,
            SortKeyCondition::Equals(v) => sk == v,
            SortKeyCondition::BeginsWith(p) => sk.starts_with(p.as_str()),
            SortKeyCondition::Between(a, b) => a.as_str() <= sk && sk <= b.as_str(),
            SortKeyCondition::GreaterThan(v) => sk > v.as_str(),
            SortKeyCondition::LessThan(v) => sk < v.as_str(),
        }
    }
}

/// Where a page ended: the position after which the next page starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The primary key of the last item returned.
    pub key: Key,
    /// Its key in the queried index, when the query was on an index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_key: Option<Key>,
}

/// A read of one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// A declared secondary index, or `None` for the table itself.
    pub index: Option<String>,
    pub partition: String,
    pub sort_key: SortKeyCondition,
    /// Ascending sort-key order when true.
    pub forward: bool,
    /// The most items to return in this page.
    pub limit: usize,
    pub start_after: Option<Cursor>,
}

impl Query {
    /// All items of `partition` in the table, ascending, up to 100 per page.
    pub fn partition(partition: impl Into<String>) -> Self {
        Self {
            index: None,
            partition: partition.into(),
            sort_key: SortKeyCondition::All,
            forward: true,
            limit: 100,
            start_after: None,
        }
    }

    /// The same query on a secondary index.
    pub fn on_index(mut self, index: impl Into<String>) -> Self {
        self.index = Some(index.into());
        self
    }

    pub fn sort_key(mut self, condition: SortKeyCondition) -> Self {
        self.sort_key = condition;
        self
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    pub fn reverse(mut self) -> Self {
        self.forward = false;
        self
    }

    pub fn start_after(mut self, cursor: Option<Cursor>) -> Self {
        self.start_after = cursor;
        self
    }
}

/// One page of a query.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    /// Present when more items may follow; pass it as `start_after`.
    pub next: Option<Cursor>,
}

/// One operation of a transaction.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteOp {
    Put {
        item: Item,
        condition: Condition,
    },
    Delete {
        key: Key,
        condition: Condition,
    },
    /// Writes nothing; only asserts a condition on another item.
    Check {
        key: Key,
        condition: Condition,
    },
}

impl WriteOp {
    pub fn key(&self) -> &Key {
        match self {
            WriteOp::Put { item, .. } => &item.key,
            WriteOp::Delete { key, .. } | WriteOp::Check { key, .. } => key,
        }
    }
}

/// What a table is called and which secondary indexes it has (fixed at creation,
/// as DynamoDB's GSIs are).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSpec {
    pub name: String,
    pub indexes: Vec<String>,
}

impl TableSpec {
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), indexes: Vec::new() }
    }

    /// Refuses an item this table cannot hold: one in an undeclared index.
    pub fn check(&self, item: &Item) -> Result<(), super::StoreError> {
        match item.indexes.keys().find(|i| !self.indexes.contains(i)) {
            Some(undeclared) => Err(super::StoreError::Invalid(format!("no index named {undeclared:?}"))),
            None => Ok(()),
        }
    }

    pub fn with_index(mut self, index: impl Into<String>) -> Self {
        self.indexes.push(index.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_zero_means_absent() {
        assert!(Condition::Version(0).holds(None));
        assert!(!Condition::Version(0).holds(Some(1)));
        assert!(Condition::Version(3).holds(Some(3)));
        assert!(!Condition::Version(3).holds(Some(4)));
        assert!(!Condition::Version(3).holds(None));
    }

    #[test]
    fn between_is_inclusive() {
        let c = SortKeyCondition::Between("b".into(), "d".into());
        assert!(c.matches("b") && c.matches("c") && c.matches("d"));
        assert!(!c.matches("a") && !c.matches("da"));
    }
}
