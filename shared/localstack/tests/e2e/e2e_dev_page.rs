//! The dev page shows the outbox, events and timelines, escaped.

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn dev_page_shows_outbox_events_and_timelines_escaped() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s
        .webinar_event("2026-12-10T17:00:00Z", "2026-12-10T18:00:00Z")
        .await;
    let r = s
        .post(
            "/v1/enrollments",
            json!({"email": "ada@example.com", "firstName": "<script>alert(1)</script>", "lastName": "L", "eventId": event}),
        )
        .await;
    assert_eq!(r.status(), 201);
    s.advance_to("2026-12-04T00:00:00Z").await;
    let r = s.client.get(s.url("/dev")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(page.contains("Launch Webinar"), "event title missing");
    assert!(page.contains("ada@example.com"), "registrant missing");
    assert!(
        page.contains("nurture-story"),
        "outbox or timeline step missing"
    );
    assert!(
        page.contains("<tr class=\"sent\">"),
        "no sent timeline entry"
    );
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "subject not shown escaped"
    );
    assert!(
        !page.contains("<script>alert(1)"),
        "raw markup from input reached the page"
    );
}
