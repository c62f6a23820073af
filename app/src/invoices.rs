//! An order's invoice, as the invoices service issues it: what the order
//! page links to, the invoice page shows and the PDF prints.

use serde::{Deserialize, Serialize};

/// Who sells or buys: a name, the lines of a postal address, and a tax id
/// when there is one.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    pub address: Vec<String>,
    #[serde(default)]
    pub tax_id: String,
}

/// One line of an invoice: what was bought, at what price.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub sku: String,
    pub description: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
    /// `quantity × unit_price_minor`, before tax.
    pub net_minor: i64,
}

/// A credit note issued against an invoice, as the invoice lists it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNoteRef {
    /// `CN-<year>-<000001>`.
    pub number: String,
    /// The return whose refund it records.
    pub return_id: String,
    /// What went back (minor units of the invoice's currency).
    pub gross_minor: i64,
}

/// `GET /api/invoices/{order id}`: the invoice of a confirmed order. A
/// credit note (`GET …/credit-notes/{return id}`) has the same shape: the
/// returned lines, their tax, the shipping when refunded, and in
/// `gross_minor` what went back; `credits` names the invoice it corrects.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// `INV-<year>-<000001>`: numbered per calendar year (UTC) in the order
    /// invoices are issued, with no gaps.
    pub number: String,
    pub order_id: String,
    /// The order's number as the shopper knows it.
    pub order_number: String,
    /// When it was issued (RFC 3339, UTC).
    pub issued_at: String,
    pub seller: Party,
    pub buyer: Party,
    /// ISO 4217; every amount is in its minor units.
    pub currency: String,
    pub lines: Vec<InvoiceLine>,
    /// The lines' total before tax.
    pub net_minor: i64,
    pub shipping_minor: i64,
    /// The tax rate on the lines, in basis points (800 = 8 %).
    pub tax_rate_bps: i64,
    pub tax_minor: i64,
    /// What was paid: net + shipping + tax (on a credit note: what went back).
    pub gross_minor: i64,
    /// On a credit note: the number of the invoice it credits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<String>,
    /// On an invoice: the credit notes issued against it, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credit_notes: Vec<CreditNoteRef>,
}

impl Invoice {
    /// How the document calls itself: "Invoice" or "Credit note".
    pub fn title(&self) -> &'static str {
        if self.credits.is_some() { "Credit note" } else { "Invoice" }
    }

    /// The PDF's file name, e.g. `INV-2026-000123.pdf`.
    pub fn file_name(&self) -> String {
        format!("{}.pdf", self.number)
    }
}

/// The tax rate as people read it: `800` → `"8%"`, `725` → `"7.25%"`.
pub fn readable_rate(bps: i64) -> String {
    let (whole, rest) = (bps / 100, bps % 100);
    if rest == 0 { format!("{whole}%") } else { format!("{whole}.{}%", format!("{rest:02}").trim_end_matches('0')) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_percentages() {
        assert_eq!(readable_rate(800), "8%");
        assert_eq!(readable_rate(725), "7.25%");
        assert_eq!(readable_rate(1950), "19.5%");
        assert_eq!(readable_rate(0), "0%");
    }
}
