//! The returns e-mails: the return accepted (with how to send the items
//! back), and the refund issued. Plain text and HTML with the same content.

use super::receipt::escape;
use crate::contracts::{RefundIssued, ReturnRequested};
use app::money::format_money;
use lettre::Message;
use lettre::message::MultiPart;

/// Who the mail is from and where returned items go.
pub struct Sender<'a> {
    pub from: &'a str,
    /// The address lines returned parcels are sent to.
    pub return_address: &'a [String],
}

/// One e-mail to send: to whom, its Message-ID, and the link to the order.
pub struct Envelope<'a> {
    pub to: &'a str,
    pub message_id: &'a str,
    pub order_link: &'a str,
}

pub fn accepted(requested: &ReturnRequested, sender: &Sender, mail: &Envelope) -> anyhow::Result<Message> {
    let number = &requested.order_number;
    let money = format_money(requested.refund_minor, &requested.currency);
    let items: Vec<String> =
        requested.lines.iter().map(|l| format!("{} x {} ({})", l.quantity, l.name, l.sku)).collect();
    let address = sender.return_address;
    let text = format!(
        "We have accepted your return for order {number}.\n\nReturning:\n{}\nYour reason: {}\n\n\
         How to send the items back:\n1. Pack the items securely.\n2. Put a note with order number {number} in the parcel.\n\
         3. Send the parcel to:\n{}\n\nWhen the items arrive we refund {money} to the card you paid with.\n\nFollow your order: {}\n",
        items.join("\n"),
        requested.reason,
        address.join("\n"),
        mail.order_link,
    );
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">\
         <h1>Your return is accepted</h1><p>Order number: <strong>{number}</strong></p>\
         <p>Returning:</p><ul>{}</ul><p>Your reason: {}</p>\
         <h2>How to send the items back</h2><ol><li>Pack the items securely.</li>\
         <li>Put a note with order number <strong>{number}</strong> in the parcel.</li>\
         <li>Send the parcel to:<br>{}</li></ol>\
         <p>When the items arrive we refund <strong>{money}</strong> to the card you paid with.</p>\
         <p><a href=\"{}\">Follow your order</a></p></body></html>",
        items.iter().map(|i| format!("<li>{}</li>", escape(i))).collect::<String>(),
        escape(&requested.reason),
        address.iter().map(|l| escape(l)).collect::<Vec<_>>().join("<br>"),
        escape(mail.order_link),
    );
    build(sender, mail, format!("Your return for order {number} is accepted"), text, html)
}

pub fn refunded(refund: &RefundIssued, number: &str, sender: &Sender, mail: &Envelope) -> anyhow::Result<Message> {
    let money = format_money(refund.amount_minor, &refund.currency);
    let credit_note = credit_note_link(mail.order_link, &refund.return_id);
    let text = format!(
        "We received the items you returned from order {number} and refunded {money} to the card you paid with.\n\
         Banks usually show a refund within 5 to 10 working days.\n\nYour credit note: {credit_note}\n\
         Follow your order: {}\n",
        mail.order_link,
    );
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\"><h1>Your refund is on its way</h1>\
         <p>We received the items you returned from order <strong>{number}</strong> and refunded \
         <strong>{money}</strong> to the card you paid with.</p>\
         <p>Banks usually show a refund within 5 to 10 working days.</p>\
         <p><a href=\"{}\">Your credit note (PDF)</a> · <a href=\"{}\">Follow your order</a></p></body></html>",
        escape(&credit_note),
        escape(mail.order_link),
    );
    build(sender, mail, format!("Your refund of {money} for order {number}"), text, html)
}

/// The PDF of the credit note of return `return_id`, from the order page's
/// link (`<store>/orders/<id>?token=…`): the invoices API's path, same token.
fn credit_note_link(order_link: &str, return_id: &str) -> String {
    let (page, query) = order_link.split_once('?').unwrap_or((order_link, ""));
    let (store, order_id) = page.rsplit_once("/orders/").unwrap_or((page, ""));
    let pdf = format!("{store}/api/invoices/{order_id}/credit-notes/{return_id}/pdf");
    if query.is_empty() { pdf } else { format!("{pdf}?{query}") }
}

fn build(sender: &Sender, mail: &Envelope, subject: String, text: String, html: String) -> anyhow::Result<Message> {
    Ok(Message::builder()
        .from(sender.from.parse()?)
        .to(mail.to.parse()?)
        .subject(subject)
        .message_id(Some(mail.message_id.to_string()))
        .multipart(MultiPart::alternative_plain_html(text, html))?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_credit_note_link_is_the_invoices_api_with_the_order_links_token() {
        let link = super::credit_note_link("https://shop.example/orders/o-1?token=abc", "r-9");
        assert_eq!(link, "https://shop.example/api/invoices/o-1/credit-notes/r-9/pdf?token=abc");
    }
}
