//! `openapi.yaml` and the served routes must agree: every documented
//! (method, path) is served, and on every documented path only the
//! documented methods are served. (axum cannot list its routes, so a wholly
//! new path is caught by review, not by this test.)

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn documented() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.yaml"))
        .unwrap();
    let doc: Value = serde_norway::from_str(&text).expect("openapi.yaml parses");
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    out
}

/// A request to `path` (placeholders filled) that is not answered by the
/// fallback (`no such route`) or with 405 reached a real route.
async fn served(s: &TestServer, method: &str, path: &str) -> bool {
    let url = s.url(&path.replace("{id}", "x"));
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let r = s
        .client
        .request(m, url)
        .bearer_auth(ADMIN_KEY)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    status != 405 && !body.contains("no such route")
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let s = TestServer::start("2026-12-01T00:00:00Z").await;
    for (method, path) in documented() {
        assert!(
            served(&s, &method, &path).await,
            "{method} {path} is documented but not served"
        );
    }
}

#[tokio::test]
async fn every_served_route_is_documented() {
    let s = TestServer::start("2026-12-01T00:00:00Z").await;
    let docs = documented();
    // Probe every documented path with every method, and known path shapes
    // with all methods: anything served must be in the document.
    let paths: BTreeSet<String> = docs.iter().map(|(_, p)| p.clone()).collect();
    for path in &paths {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if served(&s, method, path).await {
                assert!(
                    docs.contains(&(method.to_string(), path.clone())),
                    "{method} {path} is served but not documented"
                );
            }
        }
    }
}

/// The `enroll`, `admin` and `webhooks` functions split the API: every
/// documented non-dev route is answered by exactly one of them.
#[tokio::test]
async fn public_and_admin_routers_split_the_documented_routes() {
    use tower::ServiceExt;
    let s = TestServer::start("2026-12-01T00:00:00Z").await;
    let state = myx_http::ApiState::new(s.stack.engine.clone());
    let answers = |router: axum::Router, method: String, path: String| async move {
        let request = axum::http::Request::builder()
            .method(method.as_str())
            .uri(path.replace("{id}", "x"))
            .header("authorization", format!("Bearer {ADMIN_KEY}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{}"))
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        status != 405 && !String::from_utf8_lossy(&body).contains("no such route")
    };
    for (method, path) in documented() {
        if path.starts_with("/v1/dev/") || path == "/dev" {
            continue;
        }
        let public = answers(
            myx_http::public_router(state.clone()),
            method.clone(),
            path.clone(),
        )
        .await;
        let admin = answers(
            myx_http::admin_router(state.clone()),
            method.clone(),
            path.clone(),
        )
        .await;
        let webhooks = answers(
            myx_http::webhooks_router(state.clone()),
            method.clone(),
            path.clone(),
        )
        .await;
        assert_eq!(
            [public, admin, webhooks].iter().filter(|x| **x).count(),
            1,
            "{method} {path}: served by public={public} admin={admin} webhooks={webhooks}"
        );
        let is_webhook = path.starts_with("/v1/webhooks/");
        assert_eq!(webhooks, is_webhook, "{method} {path} is on the wrong side");
        let operator_only = !is_webhook
            && (path.contains("/timeline")
                || !matches!(
                    path.as_str(),
                    "/v1/health"
                        | "/v1/enrollments"
                        | "/v1/unsubscribe"
                        | "/v1/events/{id}/calendar.ics"
                ));
        assert_eq!(admin, operator_only, "{method} {path} is on the wrong side");
    }
}
