//! What an invoice says, made from the confirmed order alone: the seller
//! from the settings, the buyer from the shipping address, the lines and
//! the money as the order was paid. The number and date are given when it
//! is issued (`numbering.rs`).

use crate::config::Settings;
use crate::contracts::{OrderConfirmed, ReturnRequested};
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

/// A line of `quantity` × `sku` at the unit price paid.
fn line(sku: &str, name: &str, quantity: u32, unit_price_minor: i64) -> InvoiceLine {
    InvoiceLine {
        sku: sku.into(),
        description: name.into(),
        quantity,
        unit_price_minor,
        net_minor: unit_price_minor * i64::from(quantity),
    }
}

/// The invoice of `order`, not yet numbered or dated.
pub fn draft(order: &OrderConfirmed, seller: &Party) -> Invoice {
    let lines = order.lines.iter().map(|l| line(&l.sku, &l.name, l.quantity, l.unit_price_minor)).collect();
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
        credits: None,
        credit_notes: Vec::new(),
    }
}

/// The credit note of return `requested`'s refund of `refunded_minor`
/// against `invoice`, not yet numbered or dated: the returned lines at the
/// prices paid, their tax and the shipping as the return counted them.
pub fn credit_note(invoice: &Invoice, requested: &ReturnRequested, refunded_minor: i64) -> Invoice {
    let lines: Vec<InvoiceLine> =
        requested.lines.iter().map(|l| line(&l.sku, &l.name, l.quantity, l.unit_price_minor)).collect();
    let net_minor = lines.iter().map(|l| l.net_minor).sum();
    Invoice {
        number: String::new(),
        issued_at: String::new(),
        lines,
        net_minor,
        shipping_minor: requested.shipping_minor,
        tax_minor: refunded_minor - net_minor - requested.shipping_minor,
        gross_minor: refunded_minor,
        credits: Some(invoice.number.clone()),
        credit_notes: Vec::new(),
        ..invoice.clone()
    }
}
