//! `openapi.yaml` and the served routes must agree: every documented
//! (method, path) is served, and on every documented path only the
//! documented methods are served. (axum cannot list its routes, so a wholly
//! new path is caught by review, not by this test.)

mod common;
use common::*;
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
