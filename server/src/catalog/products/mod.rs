//! Products as administrators keep them: created, edited and archived
//! through the catalog's API and the admin micro-app. A save is one
//! transaction: the product (new, or on the item version read) and
//! ProductChanged in the outbox. An edit names the product's revision it was
//! made from, which only saves raise: a reservation changing the stock
//! meanwhile is read again and kept, another administrator's save is not
//! overwritten. Stock is left to inventory; archived products leave the
//! shop (listing, search, product page, carts, new orders) but stay for the
//! orders that bought them and for administrators.

mod pages;
pub mod routes;
mod rules;
#[cfg(test)]
mod tests;

use super::domain::{Currency, Money, Product, ProductQuery, Sku};
use super::{Catalog, CatalogError, view};
use crate::contracts::ProductChanged;
use crate::platform::events::Envelope;
use crate::platform::outbox;
use crate::platform::store::optimistic::{self, Attempt};
use crate::platform::store::{Condition, StoreError};
use app::catalog::ProductQueryParams;
use app::products::{AdminProduct, AdminProducts, ProductInput};
use rules::Checked;

/// The store's one currency, as the demo catalog prices in it.
const CURRENCY: &str = "USD";

/// How a save came out.
#[derive(Debug)]
pub enum Saved {
    Created(AdminProduct),
    Changed(AdminProduct),
}

impl Catalog {
    /// One page of the products matching the query, archived ones too, in SKU order.
    pub async fn admin_products(&self, params: &ProductQueryParams) -> Result<AdminProducts, CatalogError> {
        let (items, next_cursor) = self.page(&ProductQuery::parse(params)?, |_| true).await?;
        Ok(AdminProducts { items: items.into_iter().map(admin_view).collect(), next_cursor })
    }

    /// The product, archived or not.
    pub async fn admin_product(&self, sku: &str) -> Result<Option<AdminProduct>, CatalogError> {
        let sku = Sku::parse(sku)?;
        Ok(self.table.product(&sku).await?.map(admin_view))
    }

    /// Creates product `sku` (no `expected_version`) or changes it (made
    /// from that revision), publishing ProductChanged with it.
    pub async fn save_product(&self, sku: &str, input: ProductInput) -> Result<Saved, CatalogError> {
        let sku = Sku::parse(sku)?;
        let checked = rules::check(&input, &self.table.categories().await?)?;
        let saved = optimistic::until_done(|| self.try_save(&sku, &checked, &input)).await?;
        saved.ok_or_else(|| CatalogError::Busy(format!("{} keeps changing; try again", sku.as_str())))
    }

    async fn try_save(
        &self,
        sku: &Sku,
        checked: &Checked,
        input: &ProductInput,
    ) -> Result<Attempt<Saved>, CatalogError> {
        let current = self.table.product_versioned(sku).await?;
        let (stock, revision, condition) = match (&current, input.expected_version) {
            (None, None) => (0, 1, Condition::NotExists),
            (Some(_), None) => {
                let why = format!("{} exists: change it from its edit page", sku.as_str());
                return Err(CatalogError::Conflict("product_exists", why));
            }
            (None, Some(_)) => return Err(CatalogError::ProductNotFound(sku.as_str().into())),
            (Some((p, _)), Some(expected)) if p.revision != expected => return Err(changed_meanwhile(sku)),
            (Some((p, version)), Some(_)) => (p.stock, p.revision + 1, Condition::Version(*version)),
        };
        let product = Product {
            sku: sku.clone(),
            name: checked.name.clone(),
            description: checked.description.clone(),
            category: checked.category.clone(),
            price: Money { amount_minor: checked.price_minor, currency: Currency::parse(CURRENCY)? },
            stock,
            image: checked.image.clone(),
            fulfilment: checked.fulfilment,
            archived: input.archived,
            revision,
        };
        let ops = vec![
            self.table.put_product_on(&product, condition)?,
            outbox::stage(&Envelope::new("catalog", &changed(&product), "", None))?,
        ];
        match self.table.table().transact_write(ops).await {
            Ok(()) => self.notify_relay(),
            // Created or changed meanwhile (a reservation, or another save): look again.
            Err(StoreError::TransactionCancelled { .. }) => return Ok(Attempt::Raced),
            Err(e) => return Err(e.into()),
        }
        let created = current.is_none();
        let saved = admin_view(product);
        Ok(Attempt::Done(if created { Saved::Created(saved) } else { Saved::Changed(saved) }))
    }
}

fn changed_meanwhile(sku: &Sku) -> CatalogError {
    let why = format!("{} was changed meanwhile: reload it and make your change again", sku.as_str());
    CatalogError::Conflict("version_conflict", why)
}

fn changed(p: &Product) -> ProductChanged {
    ProductChanged {
        sku: p.sku.as_str().into(),
        name: p.name.clone(),
        description: p.description.clone(),
        category: p.category.as_str().into(),
        price_minor: p.price.amount_minor,
        currency: p.price.currency.as_str().into(),
        fulfilment: p.fulfilment.into(),
        image: p.image.clone(),
        archived: p.archived,
        version: p.revision,
    }
}

fn admin_view(p: Product) -> AdminProduct {
    let (archived, version) = (p.archived, p.revision);
    AdminProduct { product: view(p), archived, version }
}
