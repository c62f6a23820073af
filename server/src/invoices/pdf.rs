//! An invoice or credit note as a PDF (A4), written with `pdf-writer`: text in the PDF's
//! built-in Helvetica, so the file embeds no font and stays a few kilobytes.
//! Those fonts speak WinAnsi (Latin-1 plus € and typographic marks); any
//! other character prints as `?` (see `win_ansi`).

use app::invoices::{Invoice, Party, readable_rate};
use app::money::format_money;
use app::words::readable_utc;
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const RIGHT: f32 = WIDTH - MARGIN;
const LINE: f32 = 15.0;
/// Below this a page has no room for another line (the totals need ~110 pt).
const PAGE_FOOT: f32 = 170.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// The columns of the lines table: quantity, unit price and amount end at these x.
const QTY_END: f32 = 370.0;
const UNIT_END: f32 = 460.0;

/// One page being written: its content and where the next line goes.
struct Page {
    content: Content,
    y: f32,
}

impl Page {
    fn new() -> Self {
        Self { content: Content::new(), y: HEIGHT - MARGIN }
    }

    fn text(&mut self, font: Name, size: f32, x: f32, y: f32, text: &str) {
        let bytes = win_ansi(text);
        self.content.begin_text();
        self.content.set_font(font, size);
        self.content.next_line(x, y);
        self.content.show(Str(&bytes));
        self.content.end_text();
    }

    /// `text` ending at `x` (amounts line up on their last digit).
    fn right(&mut self, font: Name, size: f32, x: f32, y: f32, text: &str) {
        self.text(font, size, x - width(text, size), y, text);
    }

    fn rule(&mut self, y: f32) {
        self.content.set_line_width(0.5);
        self.content.move_to(MARGIN, y);
        self.content.line_to(RIGHT, y);
        self.content.stroke();
    }
}

/// The invoice as a PDF file.
pub fn render(invoice: &Invoice) -> Vec<u8> {
    let mut pages = vec![Page::new()];
    heading(pages.last_mut().expect("a page"), invoice);
    for line in &invoice.lines {
        if pages.last().expect("a page").y < PAGE_FOOT {
            let mut next = Page::new();
            next.text(BOLD, 10.0, MARGIN, next.y, &format!("{} (continued)", invoice.number));
            next.y -= 2.0 * LINE;
            table_head(&mut next);
            pages.push(next);
        }
        let page = pages.last_mut().expect("a page");
        let money = |minor| format_money(minor, &invoice.currency);
        page.text(REGULAR, 10.0, MARGIN, page.y, &format!("{} ({})", line.description, line.sku));
        page.right(REGULAR, 10.0, QTY_END, page.y, &line.quantity.to_string());
        page.right(REGULAR, 10.0, UNIT_END, page.y, &money(line.unit_price_minor));
        page.right(REGULAR, 10.0, RIGHT, page.y, &money(line.net_minor));
        page.y -= LINE;
    }
    totals(pages.last_mut().expect("a page"), invoice);
    document(invoice, pages)
}

/// Seller, title, number and dates, buyer, and the table's head.
fn heading(page: &mut Page, invoice: &Invoice) {
    let top = page.y;
    party(page, &invoice.seller, MARGIN, top, 14.0);
    page.right(BOLD, 20.0, RIGHT, top, invoice.title());
    let mut facts = vec![
        ("Number", invoice.number.clone()),
        ("Date", readable_utc(&invoice.issued_at)),
        ("Order", invoice.order_number.clone()),
    ];
    facts.extend(invoice.credits.clone().map(|credited| ("Credits invoice", credited)));
    for (i, (label, value)) in facts.iter().enumerate() {
        let y = top - 26.0 - i as f32 * LINE;
        page.right(BOLD, 10.0, RIGHT - 150.0, y, label);
        page.right(REGULAR, 10.0, RIGHT, y, value);
    }
    page.y = top - 130.0;
    page.text(BOLD, 10.0, MARGIN, page.y, "Bill to");
    page.y -= LINE;
    let buyer_top = page.y;
    page.y = party(page, &invoice.buyer, MARGIN, buyer_top, 10.0) - LINE;
    table_head(page);
}

/// A party's name (in `size`) and address lines from `y` down; returns where it ended.
fn party(page: &mut Page, who: &Party, x: f32, y: f32, size: f32) -> f32 {
    page.text(BOLD, size, x, y, &who.name);
    let mut y = y - size - 3.0;
    let tax_id = (!who.tax_id.is_empty()).then(|| format!("Tax id {}", who.tax_id));
    for line in who.address.iter().chain(tax_id.as_ref()) {
        page.text(REGULAR, 10.0, x, y, line);
        y -= LINE - 2.0;
    }
    y
}

fn table_head(page: &mut Page) {
    page.text(BOLD, 10.0, MARGIN, page.y, "Description");
    page.right(BOLD, 10.0, QTY_END, page.y, "Qty");
    page.right(BOLD, 10.0, UNIT_END, page.y, "Unit price");
    page.right(BOLD, 10.0, RIGHT, page.y, "Amount");
    page.rule(page.y - 5.0);
    page.y -= LINE + 6.0;
}

/// Subtotal, shipping, tax and the total, then how it was paid.
fn totals(page: &mut Page, invoice: &Invoice) {
    page.rule(page.y + LINE - 9.0);
    page.y -= 6.0;
    let money = |minor| format_money(minor, &invoice.currency);
    let rows = [
        ("Subtotal", money(invoice.net_minor), REGULAR),
        ("Shipping", money(invoice.shipping_minor), REGULAR),
        (&*format!("Tax ({})", readable_rate(invoice.tax_rate_bps)), money(invoice.tax_minor), REGULAR),
        (if invoice.credits.is_some() { "Total refunded" } else { "Total" }, money(invoice.gross_minor), BOLD),
    ];
    for (label, amount, font) in rows {
        page.right(font, 10.0, UNIT_END, page.y, label);
        page.right(font, 10.0, RIGHT, page.y, &amount);
        page.y -= LINE;
    }
    page.y -= LINE;
    let how =
        if invoice.credits.is_some() { "Refunded to the card the order was paid with" } else { "Paid in full by card" };
    page.text(REGULAR, 10.0, MARGIN, page.y, &format!("{how}. Amounts in {}.", invoice.currency));
    page.text(REGULAR, 9.0, MARGIN, MARGIN, "Thank you for shopping with us.");
}

/// The pages as one document, with its title in the document information.
fn document(invoice: &Invoice, pages: Vec<Page>) -> Vec<u8> {
    let (catalog, tree, regular, bold, info) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    let ids: Vec<(Ref, Ref)> = (0..pages.len() as i32).map(|i| (Ref::new(6 + 2 * i), Ref::new(7 + 2 * i))).collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(ids.iter().map(|(page, _)| *page)).count(pages.len() as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    let title = format!("{} {}", invoice.title(), invoice.number);
    pdf.document_info(info).title(pdf_writer::TextStr(&title)).producer(pdf_writer::TextStr("The Better Store"));
    for ((page_id, content_id), page) in ids.into_iter().zip(pages) {
        let mut writer = pdf.page(page_id);
        writer.parent(tree).media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT)).contents(content_id);
        writer.resources().fonts().pair(REGULAR, regular).pair(BOLD, bold);
        drop(writer);
        pdf.stream(content_id, &page.content.finish());
    }
    pdf.finish()
}

/// `text` in WinAnsi, the built-in fonts' encoding: Latin-1 as it is, the
/// marks Windows-1252 adds where it puts them, anything else as `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    const EXTRA: &str = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8d}Ž\u{8f}\u{90}‘’“”•–—˜™š›œ\u{9d}žŸ";
    text.chars()
        .map(|c| match c as u32 {
            0x20..=0x7e | 0xa0..=0xff => c as u8,
            _ => EXTRA.chars().position(|x| x == c).map_or(b'?', |i| 0x80 + i as u8),
        })
        .collect()
}

/// About how wide `text` is in Helvetica at `size` points: exact for
/// digits, punctuation and currency signs (what right-aligned amounts are
/// made of), an average for letters.
fn width(text: &str, size: f32) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match c {
            '0'..='9' | '$' | '€' | '£' | '¥' | '?' => 556,
            '.' | ',' | ' ' | ':' => 278,
            '-' | '(' | ')' => 333,
            '%' => 889,
            'A'..='Z' => 667,
            'i' | 'l' | 'j' | 't' | 'f' | 'r' => 278,
            'm' | 'w' => 833,
            _ => 556,
        })
        .sum();
    units as f32 * size / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_text_keeps_its_letters_and_the_rest_becomes_question_marks() {
        assert_eq!(win_ansi("Zoë Müller"), b"Zo\xeb M\xfcller");
        assert_eq!(win_ansi("€5 – 李"), [0x80, b'5', b' ', 0x96, b' ', b'?']);
    }

    #[test]
    fn amounts_are_measured_digit_by_digit() {
        assert_eq!(width("10.00", 10.0), (4.0 * 556.0 + 278.0) / 100.0);
    }
}
