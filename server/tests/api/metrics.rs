//! `GET /metrics`: Prometheus text, requests counted and timed by route pattern.

use crate::helpers::spawn_app;
use axum::http::StatusCode;

#[tokio::test]
async fn requests_are_counted_and_timed_by_route_pattern_and_status() {
    let app = spawn_app().await;
    assert_eq!(app.get("/api/catalog/products/KIT-001").await.status, StatusCode::OK);
    assert_eq!(app.get("/api/catalog/products/NOPE-404").await.status, StatusCode::NOT_FOUND);
    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type.starts_with("text/plain"), "{}", reply.content_type);
    let line = |name: &str, status: &str| {
        reply
            .body
            .lines()
            .find(|l| l.starts_with(name) && l.contains(r#"route="/api/catalog/products/{sku}""#) && l.contains(status))
    };
    for status in [r#"status="200""#, r#"status="404""#] {
        let counted = line("tbs_http_requests_total{", status).unwrap_or_else(|| panic!("{status}: {}", reply.body));
        let count: f64 = counted.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(count >= 1.0, "{counted}");
        assert!(line("tbs_http_request_duration_seconds_bucket{", status).is_some(), "timed: {}", reply.body);
    }
    assert!(!reply.body.contains("KIT-001") && !reply.body.contains("NOPE-404"), "concrete paths are not labels");
}

#[tokio::test]
async fn made_up_methods_share_one_label_so_anonymous_traffic_cannot_grow_the_series() {
    let app = spawn_app().await;
    for i in 0..20 {
        let request = axum::http::Request::builder()
            .method(format!("BREW{i}").as_str())
            .uri("/api/catalog/products")
            .body(axum::body::Body::empty())
            .unwrap();
        app.send(request).await;
    }
    let body = app.get("/metrics").await.body;
    assert!(!body.contains("BREW"), "a made-up method became a label: {body}");
    assert!(body.contains(r#"method="other""#), "{body}");
}
