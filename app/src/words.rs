//! How the store says things to people: how many of something, and when.

/// "1 item", "3 items": a count with its noun (`noun` names one; an "s" makes more).
pub fn count(n: u32, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "Jan" and "2026" from a month "2026-01"; `None` for anything else.
pub fn month_and_year(month: &str) -> Option<(&'static str, &str)> {
    let number = month.get(5..7)?.parse::<usize>().ok().filter(|m| (1..=12).contains(m))?;
    Some((MONTHS[number - 1], month.get(0..4)?))
}

/// "Jan 2026" from a month "2026-01"; anything else as it is.
pub fn readable_month(month: &str) -> String {
    month_and_year(month).map_or_else(|| month.to_string(), |(name, year)| format!("{name} {year}"))
}

/// "3 Dec 2026, 10:42 UTC" from an RFC 3339 UTC time; anything else as it is.
pub fn readable_utc(at: &str) -> String {
    let part = |range: std::ops::Range<usize>| at.get(range).and_then(|s| s.parse::<usize>().ok());
    match (part(0..4), part(5..7), part(8..10), at.get(11..16)) {
        (Some(year), Some(month @ 1..=12), Some(day), Some(clock)) => {
            format!("{day} {} {year}, {clock} UTC", MONTHS[month - 1])
        }
        _ => at.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_many_items() {
        assert_eq!(count(1, "item"), "1 item");
        assert_eq!(count(0, "item"), "0 items");
        assert_eq!(count(2, "item"), "2 items");
    }

    #[test]
    fn times_read_as_people_write_them() {
        assert_eq!(readable_utc("2026-12-03T10:42:17.123Z"), "3 Dec 2026, 10:42 UTC");
        assert_eq!(readable_utc("2026-12-02T18:40:00.996050738Z"), "2 Dec 2026, 18:40 UTC");
        assert_eq!(readable_utc("soon"), "soon");
    }

    #[test]
    fn months_read_as_people_write_them() {
        assert_eq!(readable_month("2026-01"), "Jan 2026");
        assert_eq!(readable_month("2025-12"), "Dec 2025");
        assert_eq!(readable_month("2025-13"), "2025-13");
        assert_eq!(month_and_year("2026-07"), Some(("Jul", "2026")));
    }
}
