//! Showing money. Amounts are integer minor units (cents) plus an ISO 4217
//! currency code, never floats.

/// How many minor-unit digits a currency has (ISO 4217).
fn minor_digits(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "ISK" | "CLP" | "VND" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

fn symbol(currency: &str) -> Option<&'static str> {
    match currency {
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        _ => None,
    }
}

/// `1250, "USD"` → `"$12.50"`; unknown currencies show their code: `"CHF 12.50"`.
pub fn format_money(amount_minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    let sign = if amount_minor < 0 { "-" } else { "" };
    let abs = amount_minor.unsigned_abs();
    let unit = 10u64.pow(digits);
    let whole = group_thousands(abs / unit);
    let number = if digits == 0 { whole } else { format!("{whole}.{:0width$}", abs % unit, width = digits as usize) };
    match symbol(currency) {
        Some(s) => format!("{sign}{s}{number}"),
        None => format!("{sign}{currency} {number}"),
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format_money;

    #[test]
    fn formats_minor_units_with_symbol() {
        assert_eq!(format_money(1250, "USD"), "$12.50");
        assert_eq!(format_money(5, "EUR"), "€0.05");
        assert_eq!(format_money(123_456_789, "GBP"), "£1,234,567.89");
    }

    #[test]
    fn respects_currencies_without_cents_and_unknown_codes() {
        assert_eq!(format_money(1500, "JPY"), "¥1,500");
        assert_eq!(format_money(1200, "CHF"), "CHF 12.00");
        assert_eq!(format_money(-250, "USD"), "-$2.50");
    }
}
