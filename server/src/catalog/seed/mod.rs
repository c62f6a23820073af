//! Seeding the demo catalog (`demo.rs`) at start, idempotently: an item
//! already present is left alone, so stock changes survive restarts.

mod demo;

use super::CatalogError;
use super::domain::{Category, CategorySlug, Currency, Money, Product, Sku};
use super::store::CatalogTable;
use demo::{CATEGORIES, DIGITAL_CATEGORY, PRODUCTS};

/// What a seeding run added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub categories_added: usize,
    pub products_added: usize,
}

/// The site path of a product's picture (the files live in `public/images/products/`).
pub fn image_path(sku: &str) -> String {
    format!("/images/products/{}.svg", sku.to_ascii_lowercase())
}

fn demo_categories() -> Result<Vec<Category>, CatalogError> {
    CATEGORIES
        .iter()
        .zip(0u32..)
        .map(|((slug, name), position)| {
            Ok(Category { slug: CategorySlug::parse(slug)?, name: (*name).into(), position })
        })
        .collect()
}

fn demo_products() -> Result<Vec<Product>, CatalogError> {
    let usd = Currency::parse("USD")?;
    PRODUCTS
        .iter()
        .map(|(sku, category, name, cents, stock, description)| {
            Ok(Product {
                sku: Sku::parse(sku)?,
                name: (*name).into(),
                description: (*description).into(),
                category: CategorySlug::parse(category)?,
                price: Money { amount_minor: *cents, currency: usd.clone() },
                stock: *stock,
                image: image_path(sku),
                fulfilment: if *category == DIGITAL_CATEGORY {
                    app::catalog::Fulfilment::Digital
                } else {
                    app::catalog::Fulfilment::Physical
                },
                archived: false,
                revision: 0,
            })
        })
        .collect()
}

pub async fn seed_demo(table: &CatalogTable) -> Result<SeedReport, CatalogError> {
    let mut report = SeedReport::default();
    for category in demo_categories()? {
        report.categories_added += usize::from(table.insert_category_if_absent(&category).await?);
    }
    for product in demo_products()? {
        report.products_added += usize::from(table.insert_product_if_absent(&product).await?);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::path::Path;

    #[test]
    fn demo_data_is_valid_and_big_enough() {
        let products = demo_products().unwrap();
        let categories = demo_categories().unwrap();
        assert!(products.len() >= 24 && categories.len() >= 4);
        let skus: HashSet<_> = products.iter().map(|p| p.sku.clone()).collect();
        assert_eq!(skus.len(), products.len(), "SKUs are unique");
        let slugs: HashSet<_> = categories.iter().map(|c| c.slug.clone()).collect();
        for p in &products {
            assert!(slugs.contains(&p.category), "{} has a known category", p.sku.as_str());
            assert!(p.price.amount_minor > 0);
        }
    }

    #[test]
    fn every_product_has_its_picture_in_public() {
        let public = Path::new(env!("CARGO_MANIFEST_DIR")).join("../public");
        for (sku, ..) in PRODUCTS {
            let file = public.join(image_path(sku).trim_start_matches('/'));
            assert!(file.is_file(), "missing {}", file.display());
        }
    }
}
