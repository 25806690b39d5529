//! End to end over HTTP: attendance branches, cancel, reschedule.

use crate::common::*;
use serde_json::{json, Value};

const START: &str = "2026-12-10T17:00:00Z";
const END: &str = "2026-12-10T18:00:00Z";

fn steps_of(outbox: &[Value], to: &str) -> Vec<String> {
    sends_to(outbox, to)
        .into_iter()
        .map(|(s, c, _)| format!("{s}/{c}"))
        .collect()
}

#[tokio::test]
async fn attended_and_no_show_branches_follow_attendance() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    s.enroll(&event, "came@example.com", None).await;
    s.enroll(&event, "missed@example.com", None).await;
    s.advance_to(END).await;
    // The recording link arrives after the event.
    s.set_replay_url(&event).await;
    let r = s
        .admin_post(
            &format!("/v1/events/{event}/attendance"),
            json!({"emails": ["CAME@example.com", "stranger@example.com"]}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"matched": 1, "unknown": 1})
    );
    let r = s
        .admin_post(&format!("/v1/events/{event}/complete"), json!({}))
        .await;
    assert_eq!(r.status(), 200);
    // The post-event steps are event-anchored: one timer per step, fanned
    // out to the branch's registrants, none per registrant (the planner
    // moved none of their sends here).
    let pending: Vec<String> = s
        .stack
        .driver
        .timers()
        .pending()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    let post_steps = [
        "thanks-replay",
        "offer",
        "offer-last-call",
        "missed-replay",
        "replay-reminder",
        "replay-expiring",
    ];
    let mut expected: Vec<String> = post_steps
        .iter()
        .map(|step| myx_engine::scheduling::event_step_timer_name("dev", &event, step))
        .collect();
    expected.sort();
    let mut pending_sorted = pending.clone();
    pending_sorted.sort();
    assert_eq!(pending_sorted, expected, "{pending:?}");
    s.advance_to("2026-12-20T00:00:00Z").await;
    let outbox = s.outbox().await;
    let came = steps_of(&outbox, "came@example.com");
    let missed = steps_of(&outbox, "missed@example.com");
    for step in [
        "thanks-replay/email",
        "offer/email",
        "offer-last-call/email",
    ] {
        assert!(
            came.contains(&step.to_string()),
            "{step} missing for attendee: {came:?}"
        );
        assert!(
            !missed.contains(&step.to_string()),
            "{step} sent to a no-show"
        );
    }
    for step in [
        "missed-replay/email",
        "replay-reminder/email",
        "replay-expiring/email",
    ] {
        assert!(
            missed.contains(&step.to_string()),
            "{step} missing for no-show: {missed:?}"
        );
        assert!(
            !came.contains(&step.to_string()),
            "{step} sent to an attendee"
        );
    }
    let thanks = sends_to(&outbox, "came@example.com")
        .into_iter()
        .find(|(s, _, _)| s == "thanks-replay")
        .unwrap();
    assert_eq!(thanks.2, "2026-12-10T19:00:00Z", "1h after the end");
    // Completing twice is refused.
    let r = s
        .admin_post(&format!("/v1/events/{event}/complete"), json!({}))
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn a_post_event_send_moved_by_quiet_hours_has_its_own_timer_and_goes_once() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    // In Tokyo the offer's SMS, a day after the end (18:00 UTC), would
    // land at 03:00: quiet hours move it to 09:00, 00:00 UTC.
    let body = json!({
        "email": "tokyo@example.com", "firstName": "Aiko", "lastName": "Sato",
        "eventId": event, "phone": "+819012345678", "smsConsent": true,
        "timezone": "Asia/Tokyo"
    });
    assert_eq!(s.post("/v1/enrollments", body).await.status(), 201);
    s.advance_to(END).await;
    let r = s
        .admin_post(
            &format!("/v1/events/{event}/attendance"),
            json!({"emails": ["tokyo@example.com"]}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = s
        .admin_post(&format!("/v1/events/{event}/complete"), json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let contact_timers: Vec<_> = s
        .stack
        .driver
        .timers()
        .pending()
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.name.starts_with("cs-"))
        .collect();
    assert_eq!(contact_timers.len(), 1, "{contact_timers:?}");
    assert_eq!(
        contact_timers[0].due_at,
        "2026-12-12T00:00:00Z".parse().unwrap()
    );
    s.advance_to("2026-12-20T00:00:00Z").await;
    let outbox = s.outbox().await;
    let offers: Vec<_> = sends_to(&outbox, "+819012345678")
        .into_iter()
        .filter(|(step, _, _)| step == "offer")
        .collect();
    assert_eq!(
        offers,
        vec![(
            "offer".to_string(),
            "sms".to_string(),
            "2026-12-12T00:00:00Z".to_string()
        )],
        "once, at 09:00 in Tokyo, not from the event's timer at 03:00"
    );
    let offer_email: Vec<_> = sends_to(&outbox, "tokyo@example.com")
        .into_iter()
        .filter(|(step, _, _)| step == "offer")
        .map(|(_, _, at)| at)
        .collect();
    assert_eq!(offer_email, vec!["2026-12-11T18:00:00Z".to_string()]);
}

/// A `PostEvent` message queued by a build that started each registrant's
/// branch through one (before 2026-12-02's fifth session), handled after
/// the change: it sets the event's post-event timers its sends rely on.
#[tokio::test]
async fn a_post_event_message_from_before_event_anchored_branches_still_sends() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    let enrolled = s.enroll(&event, "missed@example.com", None).await;
    let contact = enrolled["contactId"].as_str().unwrap().to_string();
    s.advance_to(END).await;
    s.set_replay_url(&event).await;
    let r = s
        .admin_post(&format!("/v1/events/{event}/complete"), json!({}))
        .await;
    assert_eq!(r.status(), 200);
    // As the old build left it: no event-level post-event timers.
    for step in ["missed-replay", "replay-reminder", "replay-expiring"] {
        let name = myx_engine::scheduling::event_step_timer_name("dev", &event, step);
        s.stack.engine.timers.cancel(&name).await.unwrap();
    }
    let legacy = myx_engine::WorkMessage::PostEvent {
        tenant: "dev".into(),
        event: event.clone(),
        contact: contact.clone(),
    };
    let outcome = myx_engine::send::process(&s.stack.engine, &legacy, false)
        .await
        .unwrap();
    assert_eq!(outcome, myx_engine::send::Outcome::Done);
    s.advance_to("2026-12-20T00:00:00Z").await;
    let missed = steps_of(&s.outbox().await, "missed@example.com");
    for step in [
        "missed-replay/email",
        "replay-reminder/email",
        "replay-expiring/email",
    ] {
        assert_eq!(
            missed.iter().filter(|s| *s == step).count(),
            1,
            "{step}: {missed:?}"
        );
    }
}

#[tokio::test]
async fn cancel_stops_pending_sends_and_notifies() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    s.enroll(&event, "ada@example.com", Some("+14155550123"))
        .await;
    s.advance_to("2026-12-04T00:00:00Z").await;
    let before = s.outbox().await.len();
    let r = s
        .admin_post(&format!("/v1/events/{event}/cancel"), json!({}))
        .await;
    assert_eq!(r.status(), 200);
    s.advance_to("2026-12-20T00:00:00Z").await;
    let outbox = s.outbox().await;
    let after: Vec<&Value> = outbox[before..].iter().collect();
    assert_eq!(after.len(), 1, "only the cancellation notice: {after:?}");
    assert_eq!(after[0]["step"], "_notice_cancellation");
    assert!(after[0]["subject"]
        .as_str()
        .unwrap()
        .starts_with("Cancelled:"));
    // Enrolling in a cancelled event is refused.
    let r = s.post("/v1/enrollments", json!({"email": "late@example.com", "firstName": "L", "lastName": "M", "eventId": event})).await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn reschedule_moves_sends_and_sends_nothing_twice() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    s.enroll(&event, "ada@example.com", None).await;
    s.advance_to("2026-12-06T00:00:00Z").await;
    let sent_before = steps_of(&s.outbox().await, "ada@example.com");
    assert_eq!(
        sent_before,
        vec![
            "welcome/email",
            "nurture-story/email",
            "nurture-mistakes/email"
        ]
    );
    // One week later.
    reschedule(&s, &event, "2026-12-17T17:00:00Z", "2026-12-17T18:00:00Z").await;
    s.advance_to("2026-12-17T17:00:00Z").await;
    let outbox = s.outbox().await;
    let all = sends_to(&outbox, "ada@example.com");
    let names: Vec<String> = all.iter().map(|(s, c, _)| format!("{s}/{c}")).collect();
    let unique: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "a step was sent twice: {names:?}"
    );
    let at = |step: &str| {
        all.iter()
            .find(|(s, _, _)| s == step)
            .map(|(_, _, t)| t.clone())
    };
    // The reminders follow the new start.
    assert_eq!(at("reminder-24h").as_deref(), Some("2026-12-16T17:00:00Z"));
    assert_eq!(at("reminder-1h").as_deref(), Some("2026-12-17T16:00:00Z"));
    assert_eq!(at("day-before").as_deref(), Some("2026-12-16T14:00:00Z"));
    // Nothing went out at the old times after the move.
    assert!(all
        .iter()
        .all(|(_, _, t)| t.as_str() != "2026-12-09T17:00:00Z"));
}

#[tokio::test]
async fn a_template_missing_a_value_fails_with_a_clear_reason() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    let enrolled = s.enroll(&event, "came@example.com", None).await;
    s.advance_to(END).await;
    s.admin_post(
        &format!("/v1/events/{event}/attendance"),
        json!({"emails": ["came@example.com"]}),
    )
    .await;
    s.admin_post(&format!("/v1/events/{event}/complete"), json!({}))
        .await;
    s.advance_to("2026-12-11T00:00:00Z").await;
    // No replayUrl was ever set: the thank-you cannot render and says why.
    let id = enrolled["enrollmentId"].as_str().unwrap();
    let tl: Value = s
        .admin_get(&format!("/v1/enrollments/{id}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    let failed = tl["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["step"] == "thanks-replay" && e["kind"] == "failed")
        .expect("a failed entry");
    assert!(
        failed["reason"].as_str().unwrap().contains("replay_url"),
        "{failed}"
    );
    assert!(!steps_of(&s.outbox().await, "came@example.com")
        .contains(&"thanks-replay/email".to_string()));
}

/// An enrollment queues its first sends before it writes the registration,
/// so a worker may see a send whose registration is not there yet: it is
/// retried, not dropped, until the last attempt.
#[tokio::test]
async fn a_send_that_outruns_its_registration_is_retried() {
    let s = TestServer::start("2026-12-01T00:00:00Z").await;
    let event = s
        .webinar_event("2026-12-08T17:00:00Z", "2026-12-08T18:00:00Z")
        .await;
    let early = myx_engine::WorkMessage::ContactStep {
        tenant: myx_localstack::stack::DEV_TENANT.into(),
        event: event.clone(),
        contact: "con_not_written_yet".into(),
        step: "welcome".into(),
        channel: myx_core::Channel::Email,
        schedule_version: 1,
    };
    let engine = &s.stack.engine;
    assert!(matches!(
        myx_engine::send::process(engine, &early, false).await,
        Ok(myx_engine::send::Outcome::Retry(_))
    ));
    assert_eq!(
        myx_engine::send::process(engine, &early, true).await.ok(),
        Some(myx_engine::send::Outcome::Done),
        "on the last attempt the enrollment evidently failed"
    );
    assert!(s.outbox().await.is_empty());
}

#[tokio::test]
async fn a_duplicate_after_a_reschedule_sees_the_enrollment_as_it_now_stands() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    let first = s.enroll(&event, "ada@example.com", None).await;
    reschedule(&s, &event, "2026-12-17T17:00:00Z", "2026-12-17T18:00:00Z").await;
    let r = s
        .post(
            "/v1/enrollments",
            json!({"email": "ada@example.com", "firstName": "Ada", "lastName": "L", "eventId": event}),
        )
        .await;
    assert_eq!(r.status(), 409);
    let existing = r.json::<Value>().await.unwrap()["existing"].clone();
    assert_eq!(existing["enrollmentId"], first["enrollmentId"]);
    assert_eq!(existing["contactId"], first["contactId"]);
    let send_at = |body: &Value, step: &str| {
        body["scheduledSteps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == step && s["channel"] == "email")
            .map(|s| s["sendAt"].clone())
    };
    // The first answer had the old start; the 409 has the new one.
    assert_eq!(
        send_at(&first, "reminder-1h"),
        Some(json!("2026-12-10T16:00:00Z"))
    );
    assert_eq!(
        send_at(&existing, "reminder-1h"),
        Some(json!("2026-12-17T16:00:00Z"))
    );
    assert_ne!(existing["calendar"], first["calendar"]);
}

/// Moves the event through the admin API.
async fn reschedule(s: &TestServer, event: &str, starts_at: &str, ends_at: &str) {
    let r = s
        .client
        .patch(s.url(&format!("/v1/events/{event}")))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({"startsAt": starts_at, "endsAt": ends_at}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
