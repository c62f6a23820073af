//! The receipt e-mail: plain text and HTML with the same content.

use crate::contracts::OrderConfirmed;
use app::money::format_money;
use lettre::Message;
use lettre::message::MultiPart;

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The order's invoice page: its page's link with `/invoice` before the query.
fn invoice_link(order_link: &str) -> String {
    match order_link.split_once('?') {
        Some((page, query)) => format!("{page}/invoice?{query}"),
        None => format!("{order_link}/invoice"),
    }
}

pub fn message(order: &OrderConfirmed, from: &str, message_id: &str, link: &str) -> anyhow::Result<Message> {
    let invoice = invoice_link(link);
    let money = |minor: i64| format_money(minor, &order.currency);
    let number = order.number();
    let a = &order.shipping_address;
    let address_lines: Vec<&str> = [a.name.as_str(), &a.line1, &a.line2, &a.city, &a.postal_code, &a.country]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();

    let mut text = format!("Thank you for your order!\n\nOrder number: {number}\n\n");
    for l in &order.lines {
        text += &format!(
            "{} x {} ({})  {}\n",
            l.quantity,
            l.name,
            l.sku,
            money(l.unit_price_minor * i64::from(l.quantity))
        );
    }
    text += &format!(
        "\nNet total: {}\nShipping: {}\nTax: {}\nTotal paid: {}\n\nShipping to:\n{}\n\nFollow your order: {link}\nYour invoice: {invoice}\n",
        money(order.net_total_minor),
        money(order.shipping_minor),
        money(order.tax_minor),
        money(order.gross_total_minor),
        address_lines.join("\n"),
    );

    let rows: String = order
        .lines
        .iter()
        .map(|l| {
            format!(
                "<tr><td>{}</td><td>{}</td><td style=\"text-align:right\">{}</td></tr>",
                l.quantity,
                escape(&l.name),
                money(l.unit_price_minor * i64::from(l.quantity))
            )
        })
        .collect();
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">\
         <h1>Thank you for your order!</h1><p>Order number: <strong>{number}</strong></p>\
         <table><thead><tr><th>Qty</th><th>Product</th><th>Price</th></tr></thead><tbody>{rows}</tbody></table>\
         <p>Net total: {}<br>Shipping: {}<br>Tax: {}<br><strong>Total paid: {}</strong></p>\
         <p>Shipping to:<br>{}</p><p><a href=\"{}\">Follow your order</a> · <a href=\"{}\">Your invoice</a></p></body></html>",
        money(order.net_total_minor),
        money(order.shipping_minor),
        money(order.tax_minor),
        money(order.gross_total_minor),
        address_lines.iter().map(|l| escape(l)).collect::<Vec<_>>().join("<br>"),
        escape(link),
        escape(&invoice),
    );
    Ok(Message::builder()
        .from(from.parse()?)
        .to(order.email.parse()?)
        .subject(format!("Your receipt for order {number}"))
        .message_id(Some(message_id.to_string()))
        .multipart(MultiPart::alternative_plain_html(text, html))?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_invoice_link_is_the_order_link_with_its_token() {
        let link = "https://shop.example/orders/o-1?token=abc";
        assert_eq!(super::invoice_link(link), "https://shop.example/orders/o-1/invoice?token=abc");
    }
}
