//! An event-anchored step fans out one page of registrations per queue
//! message, each page queueing the next: every registrant of an event
//! larger than a page gets the step once.

use crate::common::*;
use myx_engine::enroll::enroll;
use myx_engine::send::FAN_OUT_PAGE;
use serde_json::json;
use std::collections::HashMap;

#[tokio::test]
async fn an_event_larger_than_a_fan_out_page_reaches_every_registrant_once() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s
        .webinar_event("2026-12-10T17:00:00Z", "2026-12-10T18:00:00Z")
        .await;
    let registrants = FAN_OUT_PAGE * 2 + 7;
    for i in 0..registrants {
        let body = json!({"email": format!("r{i}@example.com"), "firstName": "R",
                          "lastName": "Egistrant", "eventId": event});
        let r = enroll(&s.stack.engine, "dev", &body, None).await.unwrap();
        assert_eq!(r.status, 201);
    }
    // reminder-24h is event-anchored: one timer, then the fan-out.
    s.advance_to("2026-12-09T17:30:00Z").await;
    let mut reminded: HashMap<String, usize> = HashMap::new();
    for m in s.outbox().await {
        if m["step"] == "reminder-24h" {
            *reminded
                .entry(m["to"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    assert_eq!(reminded.len(), registrants, "every registrant");
    assert!(reminded.values().all(|n| *n == 1), "once each");
}
