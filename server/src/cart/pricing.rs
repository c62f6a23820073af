//! A cart as the shopper sees it: each line priced now from the catalog's
//! public read API, with what stops it being bought (withdrawn, out of stock,
//! fewer left than wanted).

use super::{CartError, CartRecord, Carts};
use app::cart::{CartLineView, CartView};
use app::catalog::{Price, ProductView};

impl Carts {
    pub(super) async fn price(&self, record: &CartRecord) -> Result<CartView, CartError> {
        self.price_knowing(record, None).await
    }

    /// Prices the cart, reading from the catalog every product but `known`
    /// (just read by the caller: an edit reads the product it changes).
    pub(super) async fn price_knowing(
        &self,
        record: &CartRecord,
        known: Option<&ProductView>,
    ) -> Result<CartView, CartError> {
        let mut lines = Vec::with_capacity(record.lines.len());
        let mut currency = "USD".to_string();
        for line in &record.lines {
            let product = match known.filter(|p| p.sku == line.sku) {
                Some(product) => Some(product.clone()),
                None => self.catalog.product(line.sku.clone()).await.map_err(CartError::Catalog)?,
            };
            let Some(p) = product else {
                // Withdrawn from the catalog: shown, but it cannot be bought.
                lines.push(CartLineView {
                    sku: line.sku.clone(),
                    name: line.sku.clone(),
                    image: String::new(),
                    quantity: line.quantity,
                    unit_price: Price { amount_minor: 0, currency: currency.clone() },
                    line_total: Price { amount_minor: 0, currency: currency.clone() },
                    available: 0,
                    problem: Some("No longer sold".into()),
                    fulfilment: Default::default(),
                    withdrawn: true,
                });
                continue;
            };
            currency = p.price.currency.clone();
            let problem = match p.stock {
                0 => Some("Out of stock".to_string()),
                n if n < line.quantity => Some(format!("Only {n} left")),
                _ => None,
            };
            lines.push(CartLineView {
                sku: p.sku,
                name: p.name,
                image: p.image,
                quantity: line.quantity,
                line_total: Price {
                    amount_minor: p.price.amount_minor * i64::from(line.quantity),
                    currency: p.price.currency.clone(),
                },
                unit_price: p.price,
                available: p.stock,
                problem,
                fulfilment: p.fulfilment,
                withdrawn: false,
            });
        }
        let item_count = lines.iter().map(|l| l.quantity).sum();
        let subtotal = Price { amount_minor: lines.iter().map(|l| l.line_total.amount_minor).sum(), currency };
        Ok(CartView { lines, item_count, subtotal })
    }
}
