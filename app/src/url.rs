//! Building query strings for links that must work without JavaScript, and
//! the one rule for where a `?next=` may send someone.

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

/// Where to go after signing in when `?next=` says: the path (with query and
/// fragment) if, read as a browser reads a link on this site, it stays on
/// this site; otherwise the account page. Browsers take `\\` for `/` and drop
/// tabs and newlines, so `/\\evil.example` and `/\t/evil.example` lead away;
/// parsing the URL (not matching prefixes) catches every such spelling.
pub fn local_path(next: Option<&str>) -> String {
    next.and_then(same_site_path).unwrap_or_else(|| "/account".to_string())
}

/// Where a sign-in posted from `page` (a page's URL, as a form's `Referer`
/// gives it) goes on: [`local_path`] of that page's `?next=`.
pub fn next_after(page: Option<&str>) -> String {
    let page = page.and_then(|p| url::Url::parse(p).ok());
    let next = page.and_then(|p| p.query_pairs().find(|(k, _)| k == "next").map(|(_, v)| v.into_owned()));
    local_path(next.as_deref())
}

/// A made-up origin to read `?next=` against: only a path keeps it.
const THIS_SITE: &str = "http://this-store.invalid";

fn same_site_path(next: &str) -> Option<String> {
    if !next.starts_with('/') {
        return None;
    }
    let (origin, path) = resolved(next)?;
    (origin == THIS_SITE).then_some(path)
}

/// `next` read as a link on [`THIS_SITE`]: the origin it leads to, and its
/// path with query and fragment. On the server by the `url` crate, which
/// implements the URL standard browsers follow.
#[cfg(not(feature = "hydrate"))]
fn resolved(next: &str) -> Option<(String, String)> {
    let target = url::Url::parse(THIS_SITE).ok()?.join(next).ok()?;
    Some((target.origin().ascii_serialization(), target[url::Position::BeforePath..].to_string()))
}

/// In the browser, by the browser's own parser: the `url` crate's tables for
/// international domain names would cost the sign-in page ~60 kB (brotli).
#[cfg(feature = "hydrate")]
fn resolved(next: &str) -> Option<(String, String)> {
    let target = web_sys::Url::new_with_base(next, THIS_SITE).ok()?;
    Some((target.origin(), format!("{}{}{}", target.pathname(), target.search(), target.hash())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(local_path(Some("/reports/completed-orders")), "/reports/completed-orders");
        assert_eq!(local_path(Some("/search?q=mug#top")), "/search?q=mug#top");
        assert_eq!(local_path(Some("/\tevil.example/")), "/evil.example/", "read as the browser reads it");
        for away in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example",
            "\\/evil.example",
            " /evil",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(local_path(Some(away)), "/account", "{away:?}");
        }
        assert_eq!(local_path(None), "/account");
    }

    #[test]
    fn a_sign_in_goes_on_to_its_pages_next() {
        let page = "http://127.0.0.1:3000/account/sign-in?next=%2Forders%3Fpage%3D2";
        assert_eq!(next_after(Some(page)), "/orders?page=2");
        assert_eq!(next_after(Some("http://127.0.0.1:3000/account/sign-in?next=//evil.example/")), "/account");
        assert_eq!(next_after(Some("http://127.0.0.1:3000/account/register")), "/account");
        assert_eq!(next_after(Some("not a url")), "/account");
        assert_eq!(next_after(None), "/account");
    }

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
