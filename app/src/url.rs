//! Building query strings for links that must work without JavaScript.

/// Percent-encodes a query-string component (RFC 3986 unreserved characters pass).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `path?k=v&…` from the pairs whose value is present and non-empty.
pub fn with_query(path: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| format!("{k}={}", encode_component(v))))
        .collect();
    if query.is_empty() { path.to_string() } else { format!("{path}?{}", query.join("&")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_non_ascii_characters() {
        assert_eq!(encode_component("tea & cups"), "tea+%26+cups");
        assert_eq!(encode_component("café"), "caf%C3%A9");
        assert_eq!(encode_component("a-b_c.d~e"), "a-b_c.d~e");
    }

    #[test]
    fn skips_absent_and_empty_values() {
        assert_eq!(
            with_query("/search", &[("q", Some("mug")), ("category", None), ("cursor", Some(""))]),
            "/search?q=mug"
        );
        assert_eq!(with_query("/search", &[("q", None)]), "/search");
    }
}
