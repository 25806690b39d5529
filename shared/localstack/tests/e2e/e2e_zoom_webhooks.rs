//! Zoom's webhooks end to end over HTTP, with Zoom's API stubbed: signed
//! `participant_joined` events mark registrants attended (by registrant id,
//! else by email), `meeting.ended` completes the event, and the outbox
//! shows the attended branch for those who joined and the no-show branch
//! for the rest; a join reported within the grace period after the end
//! still counts, a later one does not. Also: URL validation, dedup,
//! rehearsals before the event, unknown meetings and participants.

use crate::provider_stack::*;
use myx_engine::webhooks::zoom::LATE_JOIN_GRACE;
use reqwest::StatusCode;
use serde_json::{json, Value};
use wiremock::MockServer;

async fn start(zoom: &MockServer) -> ProviderServer {
    let uri = zoom.uri();
    ProviderServer::start("2026-12-01T15:00:00Z", move |_| zoom_settings(&uri)).await
}

/// Enrolls `email`; returns the Zoom registrant id it got.
async fn enroll(s: &ProviderServer, event: &str, email: &str, n: usize) -> String {
    let r = s
        .post(
            "/v1/enrollments",
            json!({"email": email, "firstName": "Ada", "lastName": "Lovelace", "eventId": event}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["joinUrl"],
        zoom_join_url(n)
    );
    zoom_registrant_id(n)
}

fn joined(kind: &str, meeting: Value, registrant: &str, email: &str, at: &str, n: u64) -> Value {
    json!({
        "event": format!("{kind}.participant_joined"), "event_ts": 1765386000000u64 + n,
        "payload": {"account_id": "acct", "object": {
            "uuid": "4444AAAiAAAAAiAiAiiAii==", "id": meeting, "host_id": "h", "topic": "Zoom Launch",
            "type": 8, "start_time": START, "timezone": "America/New_York", "duration": 60,
            "participant": {"user_id": format!("1677{n}"), "user_name": "Someone", "id": "",
                "participant_uuid": format!("pu-{n}"), "join_time": at, "email": email,
                "registrant_id": registrant}}}
    })
}

fn ended(kind: &str, meeting: Value, end_time: &str, n: u64) -> Value {
    json!({
        "event": format!("{kind}.ended"), "event_ts": 1765389600000u64 + n,
        "payload": {"account_id": "acct", "object": {
            "uuid": format!("session-{n}=="), "id": meeting, "host_id": "h", "topic": "Zoom Launch",
            "type": 8, "start_time": START, "end_time": end_time, "duration": 60}}
    })
}

async fn result_of(r: reqwest::Response) -> String {
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["result"]
        .as_str()
        .unwrap()
        .to_string()
}

fn steps_to(outbox: &[Value], to: &str) -> Vec<String> {
    outbox
        .iter()
        .filter(|m| m["to"] == to)
        .map(|m| {
            format!(
                "{}/{}",
                m["step"].as_str().unwrap(),
                m["channel"].as_str().unwrap()
            )
        })
        .collect()
}

const ATTENDED: [&str; 3] = [
    "thanks-replay/email",
    "offer/email",
    "offer-last-call/email",
];
const NO_SHOW: [&str; 3] = [
    "missed-replay/email",
    "replay-reminder/email",
    "replay-expiring/email",
];

fn assert_branch(outbox: &[Value], to: &str, attended: bool) {
    let steps = steps_to(outbox, to);
    let (want, not) = if attended {
        (ATTENDED, NO_SHOW)
    } else {
        (NO_SHOW, ATTENDED)
    };
    for step in want {
        assert!(
            steps.contains(&step.to_string()),
            "{to}: {step} missing in {steps:?}"
        );
    }
    for step in not {
        assert!(
            !steps.contains(&step.to_string()),
            "{to}: {step} sent in {steps:?}"
        );
    }
}

async fn set_replay_url(s: &ProviderServer, event: &str) {
    let r = s
        .client
        .patch(s.url(&format!("/v1/events/{event}")))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({"replayUrl": "https://example.com/replay"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_signed_join_and_the_end_send_the_attended_branch_to_one_and_no_show_to_the_rest() {
    let zoom = zoom_stub().await;
    let s = start(&zoom).await;
    let event = s.zoom_event("zoom_meeting", json!(ZOOM_MEETING)).await;
    let ada = enroll(&s, &event, "ada@example.com", 0).await;
    enroll(&s, &event, "bob@example.com", 1).await;
    enroll(&s, &event, "cleo@example.com", 2).await;
    set_replay_url(&s, &event).await;
    s.advance_to("2026-12-10T17:05:00Z").await;

    // Ada joins with her personal link; Zoom sends the id as a number.
    let join = joined(
        "meeting",
        json!(85746065123u64),
        &ada,
        "ada@example.com",
        "2026-12-10T17:02:00Z",
        1,
    );
    assert_eq!(
        result_of(s.post_zoom(&join, ZOOM_SECRET).await).await,
        "processed"
    );
    // Zoom retries the same event: processed once.
    assert_eq!(
        result_of(s.post_zoom(&join, ZOOM_SECRET).await).await,
        "duplicate"
    );

    s.advance_to(END).await;
    let end = ended("meeting", json!(ZOOM_MEETING), END, 1);
    assert_eq!(
        result_of(s.post_zoom(&end, ZOOM_SECRET).await).await,
        "processed"
    );
    assert_eq!(
        result_of(s.post_zoom(&end, ZOOM_SECRET).await).await,
        "duplicate"
    );
    let r = s
        .client
        .get(s.url(&format!("/v1/events/{event}")))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "completed");

    s.advance_to("2026-12-20T00:00:00Z").await;
    let outbox = s.outbox().await;
    assert_branch(&outbox, "ada@example.com", true);
    assert_branch(&outbox, "bob@example.com", false);
    assert_branch(&outbox, "cleo@example.com", false);
    // The branches started after the grace period; the first send is still
    // an hour after the end.
    let thanks = outbox
        .iter()
        .find(|m| m["to"] == "ada@example.com" && m["step"] == "thanks-replay")
        .unwrap();
    assert_eq!(thanks["sentAt"], "2026-12-10T19:00:00Z");
}

#[tokio::test]
async fn joins_match_by_email_and_late_reports_count_only_within_the_grace_period() {
    let zoom = zoom_stub().await;
    let s = start(&zoom).await;
    let event = s.zoom_event("zoom_webinar", json!("91234567890")).await;
    enroll(&s, &event, "ada@example.com", 0).await;
    enroll(&s, &event, "bob@example.com", 1).await;
    enroll(&s, &event, "cleo@example.com", 2).await;
    set_replay_url(&s, &event).await;
    s.advance_to("2026-12-10T17:30:00Z").await;

    // Ada joined from the Zoom app without her link: no registrant id,
    // her email (in another case) matches. The id comes as a string.
    let webinar = json!("91234567890");
    let by_email = joined(
        "webinar",
        webinar.clone(),
        "",
        "ADA@example.com",
        "2026-12-10T17:10:00Z",
        1,
    );
    assert_eq!(
        result_of(s.post_zoom(&by_email, ZOOM_SECRET).await).await,
        "processed"
    );
    // The host (not registered) joins: acknowledged, nothing to mark.
    let host = joined(
        "webinar",
        webinar.clone(),
        "",
        "host@example.com",
        "2026-12-10T16:50:00Z",
        2,
    );
    assert_eq!(
        result_of(s.post_zoom(&host, ZOOM_SECRET).await).await,
        "unknown_participant"
    );

    s.advance_to("2026-12-10T18:04:00Z").await;
    let end = ended("webinar", webinar.clone(), "2026-12-10T18:04:00Z", 1);
    assert_eq!(
        result_of(s.post_zoom(&end, ZOOM_SECRET).await).await,
        "processed"
    );
    // Bob's join arrives late, within the grace period: it counts.
    s.advance_to("2026-12-10T18:09:00Z").await;
    let bob_late = joined(
        "webinar",
        webinar.clone(),
        &zoom_registrant_id(1),
        "bob@example.com",
        "2026-12-10T17:15:00Z",
        3,
    );
    assert_eq!(
        result_of(s.post_zoom(&bob_late, ZOOM_SECRET).await).await,
        "processed"
    );
    // Cleo's arrives after the branches started: acknowledged, ignored.
    let after_grace = jiff::Timestamp::from_second(
        "2026-12-10T18:04:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second()
            + LATE_JOIN_GRACE.as_secs()
            + 60,
    )
    .unwrap();
    s.advance_to(&after_grace.to_string()).await;
    let cleo_late = joined(
        "webinar",
        webinar,
        &zoom_registrant_id(2),
        "cleo@example.com",
        "2026-12-10T17:20:00Z",
        4,
    );
    assert_eq!(
        result_of(s.post_zoom(&cleo_late, ZOOM_SECRET).await).await,
        "ignored"
    );

    s.advance_to("2026-12-20T00:00:00Z").await;
    let outbox = s.outbox().await;
    assert_branch(&outbox, "ada@example.com", true);
    assert_branch(&outbox, "bob@example.com", true);
    assert_branch(&outbox, "cleo@example.com", false);
}

#[tokio::test]
async fn a_rehearsal_before_the_event_changes_nothing() {
    let zoom = zoom_stub().await;
    let s = start(&zoom).await;
    let event = s.zoom_event("zoom_meeting", json!(ZOOM_MEETING)).await;
    let ada = enroll(&s, &event, "ada@example.com", 0).await;
    // The host tries the meeting the day before, and Ada pops in.
    s.advance_to("2026-12-09T15:00:00Z").await;
    let early = joined(
        "meeting",
        json!(ZOOM_MEETING),
        &ada,
        "ada@example.com",
        "2026-12-09T14:50:00Z",
        1,
    );
    assert_eq!(
        result_of(s.post_zoom(&early, ZOOM_SECRET).await).await,
        "ignored"
    );
    let end = ended("meeting", json!(ZOOM_MEETING), "2026-12-09T15:00:00Z", 1);
    assert_eq!(
        result_of(s.post_zoom(&end, ZOOM_SECRET).await).await,
        "ignored"
    );
    let r = s
        .client
        .get(s.url(&format!("/v1/events/{event}")))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "scheduled");
    // The event goes on: the last reminder is still sent.
    s.advance_to("2026-12-10T16:30:00Z").await;
    let steps = steps_to(&s.outbox().await, "ada@example.com");
    assert!(
        steps.contains(&"reminder-1h/email".to_string()),
        "{steps:?}"
    );
}

#[tokio::test]
async fn a_meeting_no_event_uses_is_acknowledged() {
    let zoom = zoom_stub().await;
    let s = start(&zoom).await;
    s.zoom_event("zoom_meeting", json!(ZOOM_MEETING)).await;
    let join = joined(
        "meeting",
        json!(11111111111u64),
        "r",
        "ada@example.com",
        START,
        1,
    );
    assert_eq!(
        result_of(s.post_zoom(&join, ZOOM_SECRET).await).await,
        "unknown_meeting"
    );
    let end = ended("meeting", json!("11111111111"), END, 1);
    assert_eq!(
        result_of(s.post_zoom(&end, ZOOM_SECRET).await).await,
        "unknown_meeting"
    );
    let started =
        json!({"event": "meeting.started", "event_ts": 1, "payload": {"object": {"id": 1}}});
    assert_eq!(
        result_of(s.post_zoom(&started, ZOOM_SECRET).await).await,
        "ignored"
    );
}

#[tokio::test]
async fn url_validation_is_answered_only_when_signed() {
    let zoom = zoom_stub().await;
    let s = start(&zoom).await;
    // The token Python's hmac computed for this secret (the provider vectors).
    let vectors: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../providers/tests/fixtures/zoom/vectors.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(vectors["secret"], ZOOM_SECRET);
    let case = &vectors["url_validation"][0];
    let body = json!({"payload": {"plainToken": case["plainToken"]}, "event_ts": 1, "event": "endpoint.url_validation"});
    let r = s.post_zoom(&body, ZOOM_SECRET).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"plainToken": case["plainToken"], "encryptedToken": case["encryptedToken"]})
    );
    // Unsigned or signed with another secret: no token (it would sign
    // whatever an attacker sent).
    let r = s
        .client
        .post(s.url("/v1/webhooks/zoom"))
        .header("content-type", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(!r.text().await.unwrap().contains("encryptedToken"));
    let r = s.post_zoom(&body, "Hh4Ff9Dd2Ss6Aa1Gg8Jj3K").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!r.text().await.unwrap().contains("encryptedToken"));
}
