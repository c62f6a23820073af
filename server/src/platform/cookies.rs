//! The store's cookies, written once (with the `cookie` crate): one read by
//! name from a `Cookie` header, and the `Set-Cookie` values that set or
//! remove one — always `HttpOnly` and `SameSite=Lax`, `Secure` when the
//! store is served over HTTPS.

use cookie::time::Duration;
use cookie::{Cookie, SameSite};

/// The value of the cookie `name` in a `Cookie` header, if it is there.
pub fn read(header: Option<&str>, name: &str) -> Option<String> {
    Cookie::split_parse(header?).filter_map(Result::ok).find(|c| c.name() == name).map(|c| c.value().to_string())
}

/// The `Set-Cookie` value that keeps `name=value` on `path` for `max_age_secs`.
pub fn set(name: &str, value: &str, path: &str, max_age_secs: i64, secure: bool) -> String {
    Cookie::build((name, value))
        .path(path)
        .max_age(Duration::seconds(max_age_secs))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
        .to_string()
}

/// The `Set-Cookie` value that removes the cookie `name` from `path`.
pub fn removal(name: &str, path: &str, secure: bool) -> String {
    set(name, "", path, 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_read_by_its_name_only() {
        let header = Some("tbs_cart=abc.def; tbs_session=0123; other=x");
        assert_eq!(read(header, "tbs_session").as_deref(), Some("0123"));
        assert_eq!(read(header, "tbs_cart").as_deref(), Some("abc.def"));
        assert_eq!(read(header, "tbs"), None);
        assert_eq!(read(None, "tbs_session"), None);
        assert_eq!(read(Some("garbage"), "tbs_session"), None);
    }

    #[test]
    fn every_cookie_is_http_only_and_same_site_lax_and_secure_over_https() {
        let plain = set("tbs_session", "t", "/", 60, false);
        for attribute in ["tbs_session=t", "Path=/", "Max-Age=60", "HttpOnly", "SameSite=Lax"] {
            assert!(plain.contains(attribute), "{plain}");
        }
        assert!(!plain.contains("Secure"), "{plain}");
        assert!(set("n", "v", "/", 1, true).contains("Secure"));
        let gone = removal("tbs_session", "/api", false);
        assert!(
            gone.starts_with("tbs_session=;") && gone.contains("Max-Age=0") && gone.contains("Path=/api"),
            "{gone}"
        );
    }
}
