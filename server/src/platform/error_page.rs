//! An error answer as a person reads it. A program asking the store gets the
//! one JSON error format ([`ApiError`](crate::platform::http::ApiError)); a browser asking for a page (a form
//! posted without JavaScript, a link followed) gets a short page saying what
//! happened and a way back, not a JSON text to puzzle over. The edge refuses
//! such requests itself (too many sign-ins from one place, a body too large,
//! a cross-site post) and every service answers through `ApiError`, so one
//! layer at the edge turns each of those answers into a page
//! ([`for_browsers`]); a refused connection gets the same page
//! ([`super::connections`]).

use crate::platform::http::ErrorDetail;
use app::api::wants_page;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

/// What a page needs: no script, stylesheet or image to fetch (a refused
/// connection could not fetch them), and only its own inline style.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/// How the page looks on a phone: readable text, a link large enough to tap.
const STYLE: &str = "body{font:1rem/1.5 system-ui,sans-serif;margin:0 auto;padding:1rem;max-width:40rem;\
                     color:#1a1a1a;background:#fff}a{display:inline-block;padding:.75rem 0;color:#1f4d3a}";

/// The page saying `title` and `message`, with a link to `back` (a path of this site).
pub fn page(status: StatusCode, title: &str, message: &str, back: &str) -> Response {
    let (title, message, back) = (escape(title), escape(message), escape(back));
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · The Better Store</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>{title}</h1>\n<p role=\"status\">{message}</p>\n<p><a href=\"{back}\">Try again</a></p>\n</main>\n\
         </body>\n</html>\n"
    );
    let headers = [
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (status, headers, Html(page)).into_response()
}

/// Where a request for a page leads back to, should its answer be an
/// error ([`for_browsers`]); `None` for a program's request.
pub fn way_back(request: &Request) -> Option<String> {
    wants_page(request.headers()).then(|| back_from(request.headers()))
}

/// An `ApiError` answer to a request for a page (one with a [`way_back`])
/// becomes a page, keeping its status and headers (`Retry-After`).
pub fn for_browsers(back: Option<String>, response: Response) -> Response {
    let Some(back) = back else { return response };
    let Some(detail) = response.extensions().get::<ErrorDetail>().cloned() else { return response };
    let (mut parts, _) = response.into_parts();
    let (page_parts, body) = page(parts.status, title(parts.status), &detail.message, &back).into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    // The page's own headers (its type, policy and caching) replace the error's.
    parts.headers.extend(page_parts.headers);
    Response::from_parts(parts, body)
}

/// A heading for an error page, in plain words.
fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::TOO_MANY_REQUESTS => "Too many tries",
        StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => "Not allowed",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::PAYLOAD_TOO_LARGE => "Too much to send",
        s if s.is_server_error() => "Something went wrong",
        _ => "That did not work",
    }
}

/// Where "Try again" leads: the page the request came from (its path on
/// this site, whatever host the `Referer` names), else the shop.
fn back_from(headers: &HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.parse::<Uri>().ok())
        .and_then(|uri| uri.path_and_query().map(|p| p.as_str().to_string()))
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
        .unwrap_or_else(|| "/".into())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn try_again_leads_back_to_a_page_of_this_site_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(back_from(&headers), "/");
        headers.insert(header::REFERER, HeaderValue::from_static("https://shop.example/account/sign-in?next=/cart"));
        assert_eq!(back_from(&headers), "/account/sign-in?next=/cart");
        headers.insert(header::REFERER, HeaderValue::from_static("not a url at all"));
        assert_eq!(back_from(&headers), "/");
    }

    #[tokio::test]
    async fn the_page_escapes_what_it_shows() {
        let answer = page(StatusCode::BAD_REQUEST, "A <b>", "x & \"y\"", "/?a=<1>");
        assert_eq!(answer.headers()[header::CACHE_CONTROL], "no-store");
        let policy = answer.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.starts_with("default-src 'none'"), "{policy}");
        let body = axum::body::to_bytes(answer.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("<h1>A &lt;b&gt;</h1>"), "{body}");
        assert!(body.contains("x &amp; &quot;y&quot;"), "{body}");
        assert!(body.contains("href=\"/?a=&lt;1&gt;\""), "{body}");
    }
}
