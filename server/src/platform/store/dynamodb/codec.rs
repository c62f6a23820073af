//! How items and conditions are written in DynamoDB's terms.
//!
//! An item is `pk`, `sk` (strings), `version` (number), `data` (the
//! attributes as JSON text, so they round-trip exactly) and, for each
//! declared index it belongs to, `<index>_pk` / `<index>_sk` (a sparse GSI);
//! an item that expires has `expires_at` (number), the table's time to live.

use crate::platform::store::{Condition, Cursor, Item, Key, SortKeyCondition, StoreError, TableSpec};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::{BTreeMap, HashMap};

pub type Attributes = HashMap<String, AttributeValue>;

/// The attribute of an item's expiry, in Unix seconds: the table's time to
/// live, so DynamoDB removes the item once it has passed.
pub const EXPIRES_AT: &str = "expires_at";

pub fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub fn index_pk(index: &str) -> String {
    format!("{index}_pk")
}

pub fn index_sk(index: &str) -> String {
    format!("{index}_sk")
}

/// Expression attribute names and values, holding only those an expression uses
/// (DynamoDB rejects unused ones).
#[derive(Default)]
pub struct Expr {
    pub names: HashMap<String, String>,
    pub values: Attributes,
}

impl Expr {
    pub fn name(&mut self, alias: &str, attribute: &str) -> String {
        self.names.insert(alias.to_string(), attribute.to_string());
        alias.to_string()
    }

    pub fn value(&mut self, alias: &str, value: AttributeValue) -> String {
        self.values.insert(alias.to_string(), value);
        alias.to_string()
    }

    pub fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub fn values(&self) -> Option<Attributes> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

pub fn key_attributes(key: &Key) -> Attributes {
    HashMap::from([("pk".to_string(), s(&key.pk)), ("sk".to_string(), s(&key.sk))])
}

/// A condition expression, or None when the write is unconditional.
pub fn condition(expr: &mut Expr, condition: Condition) -> Option<String> {
    match condition {
        Condition::None => None,
        Condition::NotExists | Condition::Version(0) => {
            Some(format!("attribute_not_exists({})", expr.name("#pk", "pk")))
        }
        Condition::Exists => Some(format!("attribute_exists({})", expr.name("#pk", "pk"))),
        Condition::Version(v) => Some(format!("{} = {}", expr.name("#v", "version"), expr.value(":expected", n(v)))),
    }
}

/// A ConditionCheck needs some expression even for `Condition::None`.
pub fn check_condition(expr: &mut Expr, c: Condition) -> String {
    condition(expr, c).unwrap_or_else(|| {
        let pk = expr.name("#pk", "pk");
        format!("attribute_exists({pk}) OR attribute_not_exists({pk})")
    })
}

/// The update expression that writes `item` and bumps its version.
pub fn put_update(expr: &mut Expr, spec: &TableSpec, item: &Item) -> Result<String, StoreError> {
    let data = serde_json::to_string(&item.attrs).map_err(|e| StoreError::Invalid(format!("unencodable item: {e}")))?;
    spec.check(item)?;
    let mut sets = vec![
        format!("{} = {}", expr.name("#d", "data"), expr.value(":d", s(&data))),
        format!(
            "{v} = if_not_exists({v}, {zero}) + {one}",
            v = expr.name("#v", "version"),
            zero = expr.value(":zero", n(0)),
            one = expr.value(":one", n(1))
        ),
    ];
    let mut removes = Vec::new();
    for (i, index) in spec.indexes.iter().enumerate() {
        let (pk_name, sk_name) =
            (expr.name(&format!("#i{i}p"), &index_pk(index)), expr.name(&format!("#i{i}s"), &index_sk(index)));
        match item.indexes.get(index) {
            Some(k) => {
                sets.push(format!("{pk_name} = {}", expr.value(&format!(":i{i}p"), s(&k.pk))));
                sets.push(format!("{sk_name} = {}", expr.value(&format!(":i{i}s"), s(&k.sk))));
            }
            None => removes.extend([pk_name, sk_name]),
        }
    }
    let expires = expr.name("#x", EXPIRES_AT);
    match item.expires_at {
        Some(at) => sets.push(format!("{expires} = {}", expr.value(":x", AttributeValue::N(at.to_string())))),
        None => removes.push(expires),
    }
    let mut update = format!("SET {}", sets.join(", "));
    if !removes.is_empty() {
        update.push_str(&format!(" REMOVE {}", removes.join(", ")));
    }
    Ok(update)
}

fn string(attrs: &Attributes, name: &str) -> Option<String> {
    attrs.get(name).and_then(|v| v.as_s().ok()).cloned()
}

pub fn decode(spec: &TableSpec, attrs: &Attributes) -> Result<Item, StoreError> {
    let corrupt = |what: &str| StoreError::Backend(format!("item without {what} in table {}", spec.name));
    let key =
        Key::new(string(attrs, "pk").ok_or_else(|| corrupt("pk"))?, string(attrs, "sk").ok_or_else(|| corrupt("sk"))?);
    let version = attrs
        .get("version")
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| corrupt("version"))?;
    let data = string(attrs, "data").ok_or_else(|| corrupt("data"))?;
    let attrs_json =
        serde_json::from_str(&data).map_err(|e| StoreError::Backend(format!("item {key}: bad data: {e}")))?;
    let mut indexes = BTreeMap::new();
    for index in &spec.indexes {
        if let (Some(pk), Some(sk)) = (string(attrs, &index_pk(index)), string(attrs, &index_sk(index))) {
            indexes.insert(index.clone(), Key::new(pk, sk));
        }
    }
    let expires_at = attrs.get(EXPIRES_AT).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok());
    Ok(Item { key, indexes, version, attrs: attrs_json, expires_at })
}

/// The key condition of a query on `pk_attr`/`sk_attr`.
pub fn key_condition(expr: &mut Expr, pk_attr: &str, sk_attr: &str, partition: &str, c: &SortKeyCondition) -> String {
    let pk = format!("{} = {}", expr.name("#qp", pk_attr), expr.value(":qp", s(partition)));
    let mut sk = |op: &str, v: &str| format!("{} {op} {}", expr.name("#qs", sk_attr), expr.value(":qs", s(v)));
    let sort = match c {
        SortKeyCondition::All => return pk,
        SortKeyCondition::Equals(v) => sk("=", v),
        SortKeyCondition::GreaterThan(v) => sk(">", v),
        SortKeyCondition::LessThan(v) => sk("<", v),
        SortKeyCondition::BeginsWith(v) => {
            format!("begins_with({}, {})", expr.name("#qs", sk_attr), expr.value(":qs", s(v)))
        }
        SortKeyCondition::Between(a, b) => {
            format!("{} BETWEEN {} AND {}", expr.name("#qs", sk_attr), expr.value(":qa", s(a)), expr.value(":qb", s(b)))
        }
    };
    format!("{pk} AND {sort}")
}

/// DynamoDB's ExclusiveStartKey for a cursor.
pub fn start_key(index: Option<&str>, cursor: &Cursor) -> Attributes {
    let mut key = key_attributes(&cursor.key);
    if let (Some(index), Some(ik)) = (index, &cursor.index_key) {
        key.insert(index_pk(index), s(&ik.pk));
        key.insert(index_sk(index), s(&ik.sk));
    }
    key
}

/// Our cursor for DynamoDB's LastEvaluatedKey.
pub fn cursor(index: Option<&str>, last: &Attributes) -> Option<Cursor> {
    let key = Key::new(string(last, "pk")?, string(last, "sk")?);
    let index_key = index.and_then(|i| Some(Key::new(string(last, &index_pk(i))?, string(last, &index_sk(i))?)));
    Some(Cursor { key, index_key })
}
