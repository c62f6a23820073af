//! The catalog's one table (`catalog`) and how its items are laid out.
//!
//! | item      | pk         | sk     | index `by_category`         |
//! |-----------|------------|--------|-----------------------------|
//! | product   | `PRODUCT`  | SKU    | `CATEGORY#<slug>` / SKU     |
//! | category  | `CATEGORY` | slug   | —                           |
//! | reservation | `RESERVATION` | order id | —                     |

use super::domain::{Category, CategorySlug, Currency, Money, Product, Sku};
use crate::platform::store::{Condition, Cursor, Item, Key, Query, Store, StoreError, Table, TableSpec, WriteOp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const PRODUCTS: &str = "PRODUCT";
const CATEGORIES: &str = "CATEGORY";
const BY_CATEGORY: &str = "by_category";

pub fn spec() -> TableSpec {
    TableSpec::new("catalog").with_index(BY_CATEGORY)
}

#[derive(Serialize, Deserialize)]
struct ProductRecord {
    sku: String,
    name: String,
    description: String,
    category: String,
    price_minor: i64,
    currency: String,
    stock: u32,
    image: String,
    /// Absent in products stored before digital ones existed: physical.
    #[serde(default)]
    fulfilment: app::catalog::Fulfilment,
    /// Absent in products stored before archiving existed: still sold.
    #[serde(default)]
    archived: bool,
    /// Absent in products no administrator has saved: 0.
    #[serde(default)]
    revision: u64,
}

#[derive(Serialize, Deserialize)]
struct CategoryRecord {
    slug: String,
    name: String,
    position: u32,
}

fn product_key(sku: &Sku) -> Key {
    Key::new(PRODUCTS, sku.as_str())
}

fn category_partition(slug: &CategorySlug) -> String {
    format!("CATEGORY#{}", slug.as_str())
}

fn product_item(p: &Product) -> Result<Item, StoreError> {
    let record = ProductRecord {
        sku: p.sku.as_str().into(),
        name: p.name.clone(),
        description: p.description.clone(),
        category: p.category.as_str().into(),
        price_minor: p.price.amount_minor,
        currency: p.price.currency.as_str().into(),
        stock: p.stock,
        image: p.image.clone(),
        fulfilment: p.fulfilment,
        archived: p.archived,
        revision: p.revision,
    };
    Ok(Item::from_record(product_key(&p.sku), &record)?
        .with_index(BY_CATEGORY, Key::new(category_partition(&p.category), p.sku.as_str())))
}

fn product_from(item: &Item) -> Result<Product, StoreError> {
    let r: ProductRecord = item.record()?;
    let corrupt = |e: super::domain::InvalidInput| StoreError::Backend(format!("product {}: {}", item.key, e.message));
    Ok(Product {
        sku: Sku::parse(&r.sku).map_err(corrupt)?,
        name: r.name,
        description: r.description,
        category: CategorySlug::parse(&r.category).map_err(corrupt)?,
        price: Money { amount_minor: r.price_minor, currency: Currency::parse(&r.currency).map_err(corrupt)? },
        stock: r.stock,
        image: r.image,
        fulfilment: r.fulfilment,
        archived: r.archived,
        revision: r.revision,
    })
}

/// Typed access to the catalog table.
#[derive(Clone)]
pub struct CatalogTable {
    table: Arc<dyn Table>,
}

/// A batch of products read in SKU order, and whether more may follow.
pub struct Batch {
    pub products: Vec<Product>,
    pub more: bool,
}

impl CatalogTable {
    pub async fn open(store: &dyn Store) -> Result<Self, StoreError> {
        Ok(Self { table: store.open_table(&spec()).await? })
    }

    pub fn relay(&self, hub: Arc<dyn crate::platform::hub::EventHub>) -> crate::platform::outbox::Relay {
        crate::platform::outbox::Relay::new(self.table.clone(), hub)
    }

    /// Adds the product unless one with its SKU exists; true when added.
    pub async fn insert_product_if_absent(&self, product: &Product) -> Result<bool, StoreError> {
        insert_if_absent(&*self.table, product_item(product)?).await
    }

    pub async fn insert_category_if_absent(&self, category: &Category) -> Result<bool, StoreError> {
        let record = CategoryRecord {
            slug: category.slug.as_str().into(),
            name: category.name.clone(),
            position: category.position,
        };
        insert_if_absent(&*self.table, Item::from_record(Key::new(CATEGORIES, category.slug.as_str()), &record)?).await
    }

    /// The product and its item version (for an optimistically locked update).
    pub async fn product_versioned(&self, sku: &Sku) -> Result<Option<(Product, u64)>, StoreError> {
        match self.table.get(&product_key(sku)).await? {
            Some(item) => Ok(Some((product_from(&item)?, item.version))),
            None => Ok(None),
        }
    }

    /// The write that stores `product` if its item is still at `version`.
    pub fn put_product(&self, product: &Product, version: u64) -> Result<WriteOp, StoreError> {
        self.put_product_on(product, Condition::Version(version))
    }

    /// The write that stores `product` on `condition`.
    pub fn put_product_on(&self, product: &Product, condition: Condition) -> Result<WriteOp, StoreError> {
        Ok(WriteOp::Put { item: product_item(product)?, condition })
    }

    pub fn table(&self) -> &Arc<dyn Table> {
        &self.table
    }

    pub async fn product(&self, sku: &Sku) -> Result<Option<Product>, StoreError> {
        self.table.get(&product_key(sku)).await?.as_ref().map(product_from).transpose()
    }

    /// Every category, in display order.
    pub async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        let page = self.table.query(Query::partition(CATEGORIES).limit(1000)).await?;
        let mut categories = page
            .items
            .iter()
            .map(|item| {
                let r: CategoryRecord = item.record()?;
                let slug = CategorySlug::parse(&r.slug).map_err(|e| StoreError::Backend(e.message))?;
                Ok(Category { slug, name: r.name, position: r.position })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        categories.sort_by_key(|c| c.position);
        Ok(categories)
    }

    /// Up to `size` products after `after` in SKU order, all or of one category.
    pub async fn products_after(
        &self,
        category: Option<&CategorySlug>,
        after: Option<&Sku>,
        size: usize,
    ) -> Result<Batch, StoreError> {
        let query = match category {
            None => Query::partition(PRODUCTS)
                .start_after(after.map(|sku| Cursor { key: product_key(sku), index_key: None })),
            Some(slug) => {
                let partition = category_partition(slug);
                let cursor = after.map(|sku| Cursor {
                    key: product_key(sku),
                    index_key: Some(Key::new(partition.clone(), sku.as_str())),
                });
                Query::partition(partition).on_index(BY_CATEGORY).start_after(cursor)
            }
        };
        let page = self.table.query(query.limit(size)).await?;
        let products = page.items.iter().map(product_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Batch { products, more: page.next.is_some() })
    }

    /// How many products a category holds that are still sold.
    pub async fn count_in(&self, category: &CategorySlug) -> Result<u32, StoreError> {
        let mut count = 0;
        let mut after = None;
        loop {
            let batch = self.products_after(Some(category), after.as_ref(), 100).await?;
            count += batch.products.iter().filter(|p| !p.archived).count() as u32;
            if !batch.more {
                return Ok(count);
            }
            after = batch.products.last().map(|p| p.sku.clone());
        }
    }
}

async fn insert_if_absent(table: &dyn Table, item: Item) -> Result<bool, StoreError> {
    match table.put(item, Condition::NotExists).await {
        Ok(_) => Ok(true),
        Err(StoreError::ConditionFailed(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
