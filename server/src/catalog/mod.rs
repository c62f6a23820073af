//! The catalog service: the shop micro-app's BFF. Owns the `catalog` table
//! (products, categories, stock), seeds the demo catalog, and answers the
//! product listing, search and product APIs for both the REST routes and
//! the UI's server functions.

mod domain;
mod error;
pub mod events;
mod inventory;
mod products;
mod routes;
mod seed;
mod service;
mod stock;
mod store;

pub use domain::Sku;
pub use error::CatalogError;
pub use inventory::Adjusted;
pub use seed::SeedReport;
pub use service::SERVICE;
pub use stock::StockKeeper;
pub use store::spec as table_spec;

use app::api::ErrorDetail;
use app::catalog::{CategoryView, Price, ProductPage, ProductQueryParams, ProductView, ssr::CatalogReader};
use domain::{Product, ProductCursor, ProductQuery};
use store::CatalogTable;

use crate::platform::http::ServiceError;
use crate::platform::hub::EventHub;
use crate::platform::outbox::Relay;
use crate::platform::store::{ReadCache, Store};
use std::sync::{Arc, OnceLock};

/// Products read per store round-trip while filtering a search.
const SCAN_BATCH: usize = 100;

/// Listing pages kept between changes to the catalog (each at most
/// [`domain::PageSize::MAX`] products).
const KEPT_PAGES: usize = 128;
/// Products kept between changes to the catalog (what carts and product pages read).
const KEPT_PRODUCTS: usize = 1024;

pub struct Catalog {
    table: CatalogTable,
    relay: OnceLock<Relay>,
    /// The shop's listing pages, categories and products as last read (see [`ReadCache`]).
    pages: ReadCache<ProductQuery, ProductPage>,
    categories: ReadCache<(), Vec<CategoryView>>,
    products: ReadCache<Sku, Option<ProductView>>,
}

impl Catalog {
    pub async fn open(store: &dyn Store) -> Result<Self, CatalogError> {
        let table = CatalogTable::open(store).await?;
        let source = table.table().clone();
        Ok(Self {
            pages: ReadCache::new(source.clone(), KEPT_PAGES),
            categories: ReadCache::new(source.clone(), 1),
            products: ReadCache::new(source, KEPT_PRODUCTS),
            table,
            relay: OnceLock::new(),
        })
    }

    /// Adds the demo catalog's categories and products that are not there yet.
    pub async fn seed_demo(&self) -> Result<SeedReport, CatalogError> {
        seed::seed_demo(&self.table).await
    }

    /// One page of the products on sale matching the query, in SKU order.
    pub async fn search(&self, params: &ProductQueryParams) -> Result<Arc<ProductPage>, CatalogError> {
        let query = ProductQuery::parse(params)?;
        self.pages.get_or_load(&query, || self.search_table(&query)).await
    }

    async fn search_table(&self, query: &ProductQuery) -> Result<ProductPage, CatalogError> {
        let category = match &query.category {
            Some(slug) => self.categories().await?.iter().find(|c| c.slug == slug.as_str()).cloned(),
            None => None,
        };
        let (items, next_cursor) = self.page(query, |p| !p.archived).await?;
        Ok(ProductPage { items: items.into_iter().map(view).collect(), next_cursor, category })
    }

    /// One page of the products matching `query` that `keep` keeps, and the
    /// cursor of the next page when there is one.
    async fn page(
        &self,
        query: &ProductQuery,
        keep: impl Fn(&Product) -> bool,
    ) -> Result<(Vec<Product>, Option<String>), CatalogError> {
        let limit = query.limit.get();
        // Without search text nearly every product read is a match: read just one past the page.
        let batch_size = if query.text.is_some() { SCAN_BATCH } else { limit + 1 };
        // Collect one more match than the page holds, to know whether a next page exists.
        let mut matches: Vec<Product> = Vec::with_capacity(limit + 1);
        let mut after = query.after.clone();
        loop {
            let batch = self.table.products_after(query.category.as_ref(), after.as_ref(), batch_size).await?;
            after = batch.products.last().map(|p| p.sku.clone());
            matches.extend(batch.products.into_iter().filter(|p| keep(p) && query.admits(p)));
            if matches.len() > limit || !batch.more {
                break;
            }
        }
        let has_more = matches.len() > limit;
        matches.truncate(limit);
        let next_cursor = if has_more { matches.last().map(|p| ProductCursor::encode(&p.sku)) } else { None };
        Ok((matches, next_cursor))
    }

    /// The product with this SKU; `None` if there is none or it is archived.
    pub async fn product(&self, sku: &str) -> Result<Arc<Option<ProductView>>, CatalogError> {
        let sku = Sku::parse(sku)?;
        let read =
            || async { Ok::<_, CatalogError>(self.table.product(&sku).await?.filter(|p| !p.archived).map(view)) };
        self.products.get_or_load(&sku, read).await
    }

    /// Every category with how many products on sale it holds, in display order.
    pub async fn categories(&self) -> Result<Arc<Vec<CategoryView>>, CatalogError> {
        self.categories.get_or_load(&(), || self.count_categories()).await
    }

    async fn count_categories(&self) -> Result<Vec<CategoryView>, CatalogError> {
        let mut views = Vec::new();
        for c in self.table.categories().await? {
            let product_count = self.table.count_in(&c.slug).await?;
            views.push(CategoryView { slug: c.slug.as_str().into(), name: c.name, product_count });
        }
        Ok(views)
    }

    /// The catalog's table (what the shop's pages show: see [`PageSource`](crate::platform::page_cache::PageSource)).
    pub fn table(&self) -> &Arc<dyn crate::platform::store::Table> {
        self.table.table()
    }

    /// The relay that publishes the events this service stages in its table's outbox.
    pub fn relay(&self, hub: Arc<dyn EventHub>) -> Relay {
        self.relay.get_or_init(|| self.table.relay(hub)).clone()
    }

    fn notify_relay(&self) {
        if let Some(relay) = self.relay.get() {
            relay.notify();
        }
    }

    /// The consumer that reserves and releases stock for orders, publishing through `relay`.
    pub fn stock_keeper(&self, relay: Relay) -> StockKeeper {
        StockKeeper::new(self.table.clone(), relay)
    }
}

fn view(p: Product) -> ProductView {
    ProductView {
        sku: p.sku.as_str().into(),
        name: p.name,
        description: p.description,
        category: p.category.as_str().into(),
        price: Price { amount_minor: p.price.amount_minor, currency: p.price.currency.as_str().into() },
        stock: p.stock,
        image: p.image,
        fulfilment: p.fulfilment,
    }
}

#[async_trait::async_trait]
impl CatalogReader for Catalog {
    async fn products(&self, params: ProductQueryParams) -> Result<ProductPage, ErrorDetail> {
        self.search(&params).await.map(Arc::unwrap_or_clone).map_err(|e| e.detail())
    }

    async fn product(&self, sku: String) -> Result<Option<ProductView>, ErrorDetail> {
        match Catalog::product(self, &sku).await {
            Ok(product) => Ok(Option::clone(&product)),
            // A malformed SKU in a page URL is simply a product that does not exist.
            Err(CatalogError::Invalid(_)) => Ok(None),
            Err(e) => Err(e.detail()),
        }
    }

    async fn categories(&self) -> Result<Vec<CategoryView>, ErrorDetail> {
        Catalog::categories(self).await.map(Arc::unwrap_or_clone).map_err(|e| e.detail())
    }
}
