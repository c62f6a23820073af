//! The products pages' port: their server functions reach the catalog
//! through it (the functions have checked the caller is an administrator).

use super::Saved;
use crate::catalog::{Catalog, CatalogError};
use crate::platform::http::ServiceError;
use app::api::ErrorDetail;
use app::catalog::ProductQueryParams;
use app::products::ssr::ProductsApi;
use app::products::{AdminProduct, AdminProducts, ProductForm, ProductInput};

#[async_trait::async_trait]
impl ProductsApi for Catalog {
    async fn list(&self, params: ProductQueryParams) -> Result<AdminProducts, ErrorDetail> {
        self.admin_products(&params).await.map_err(|e| e.detail())
    }

    async fn form(&self, sku: Option<String>) -> Result<ProductForm, ErrorDetail> {
        let product = match sku {
            Some(sku) => Some(
                self.admin_product(&sku)
                    .await
                    .map_err(|e| e.detail())?
                    .ok_or_else(|| CatalogError::ProductNotFound(sku.to_uppercase()).detail())?,
            ),
            None => None,
        };
        Ok(ProductForm {
            product,
            categories: self.categories().await.map(std::sync::Arc::unwrap_or_clone).map_err(|e| e.detail())?,
        })
    }

    async fn save(&self, sku: String, input: ProductInput) -> Result<AdminProduct, ErrorDetail> {
        match self.save_product(&sku, input).await.map_err(|e| e.detail())? {
            Saved::Created(product) | Saved::Changed(product) => Ok(product),
        }
    }
}
