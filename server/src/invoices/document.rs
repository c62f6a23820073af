//! What an invoice says, made from the confirmed order alone: the seller
//! from the settings, the buyer from the shipping address, the lines and
//! the money as the order was paid. The number and date are given when it
//! is issued (`numbering.rs`).

use crate::config::Settings;
use crate::contracts::OrderConfirmed;
use app::invoices::{Invoice, InvoiceLine, Party};
use app::orders::TAX_RATE_BPS;

/// The seller as invoices print it.
pub fn seller(settings: &Settings) -> Party {
    Party {
        name: settings.seller_name.clone(),
        address: settings.seller_address_lines(),
        tax_id: settings.seller_tax_id.clone(),
    }
}

/// The buyer: whom and where the order was for (its country as the order gave it).
fn buyer(order: &OrderConfirmed) -> Party {
    let a = &order.shipping_address;
    let place = format!("{} {}", a.postal_code, a.city).trim().to_string();
    let address = [a.line1.as_str(), a.line2.as_str(), place.as_str(), a.country.as_str()];
    Party {
        name: a.name.clone(),
        address: address.iter().filter(|l| !l.is_empty()).map(|l| l.to_string()).collect(),
        tax_id: String::new(),
    }
}

/// The invoice of `order`, not yet numbered or dated.
pub fn draft(order: &OrderConfirmed, seller: &Party) -> Invoice {
    let lines = order
        .lines
        .iter()
        .map(|l| InvoiceLine {
            sku: l.sku.clone(),
            description: l.name.clone(),
            quantity: l.quantity,
            unit_price_minor: l.unit_price_minor,
            net_minor: l.unit_price_minor * i64::from(l.quantity),
        })
        .collect();
    Invoice {
        number: String::new(),
        order_id: order.order_id.to_string(),
        order_number: order.number(),
        issued_at: String::new(),
        seller: seller.clone(),
        buyer: buyer(order),
        currency: order.currency.clone(),
        lines,
        net_minor: order.net_total_minor,
        shipping_minor: order.shipping_minor,
        tax_rate_bps: TAX_RATE_BPS,
        tax_minor: order.tax_minor,
        gross_minor: order.gross_total_minor,
    }
}
