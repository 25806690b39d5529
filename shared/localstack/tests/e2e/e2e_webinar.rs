//! End to end over HTTP on a virtual clock: the webinar funnel for an early
//! and a late registrant, and a repeated delivery producing one message.

use crate::common::*;
use serde_json::Value;

const START: &str = "2026-12-10T17:00:00Z";
const END: &str = "2026-12-10T18:00:00Z";

#[tokio::test]
async fn early_registrant_gets_the_whole_sequence_at_planned_times() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    let enrolled = s
        .enroll(&event, "ada@example.com", Some("+14155550123"))
        .await;
    assert_eq!(enrolled["status"], "enrolled");
    assert!(enrolled["calendar"]["google"]
        .as_str()
        .unwrap()
        .starts_with("https://"));

    s.advance_to("2026-12-10T16:59:00Z").await;
    let outbox = s.outbox().await;
    let email = sends_to(&outbox, "ada@example.com");
    let sms = sends_to(&outbox, "+14155550123");
    let steps: Vec<(&str, &str)> = email
        .iter()
        .map(|(st, _, at)| (st.as_str(), at.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            // Queued 2 s after the enrollment, so its registration is
            // written first (scheduling::FRESH_QUEUE_DELAY_SECONDS).
            ("welcome", "2026-12-01T15:00:02Z"),
            ("nurture-story", "2026-12-03T17:00:00Z"),
            ("nurture-mistakes", "2026-12-05T17:00:00Z"),
            ("nurture-case-study", "2026-12-07T17:00:00Z"),
            // `unless: opened nurture-case-study`: nobody opens in the outbox.
            ("nurture-nudge", "2026-12-08T17:00:00Z"),
            ("day-before", "2026-12-09T14:00:00Z"),
            ("reminder-24h", "2026-12-09T17:00:00Z"),
            ("reminder-1h", "2026-12-10T16:00:00Z"),
        ]
    );
    let sms_steps: Vec<&str> = sms.iter().map(|(st, _, _)| st.as_str()).collect();
    assert_eq!(sms_steps, vec!["welcome", "reminder-24h", "reminder-1h"]);

    // Compliance parts of every marketing email.
    for m in outbox.iter().filter(|m| m["channel"] == "email") {
        let h = &m["headers"];
        assert!(
            h["List-Unsubscribe"]
                .as_str()
                .unwrap()
                .contains("/v1/unsubscribe?token="),
            "{m}"
        );
        assert_eq!(h["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
        assert!(
            m["body"].as_str().unwrap().contains("1 Example Street"),
            "postal address missing: {m}"
        );
    }
    let welcome = outbox
        .iter()
        .find(|m| m["step"] == "welcome" && m["channel"] == "email")
        .unwrap();
    assert_eq!(welcome["attachments"], serde_json::json!(["invite.ics"]));
    // The first SMS names the business and says how to opt out; later ones do not repeat it.
    let first_sms = outbox.iter().find(|m| m["channel"] == "sms").unwrap()["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        first_sms.contains("Myxelium Dev") && first_sms.contains("STOP"),
        "{first_sms}"
    );
    let last_sms = outbox.iter().rev().find(|m| m["channel"] == "sms").unwrap()["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!last_sms.contains("STOP"), "{last_sms}");

    // Nothing pre-event after the start.
    s.advance_to("2026-12-11T00:00:00Z").await;
    assert_eq!(s.outbox().await.len(), outbox.len());

    // The timeline explains every decision.
    let id = enrolled["enrollmentId"].as_str().unwrap();
    let tl: Value = s
        .admin_get(&format!("/v1/enrollments/{id}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    let sent = tl["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "sent")
        .count();
    assert_eq!(sent, email.len() + sms.len());
    // Oldest first, the plan before the sends it led to, and each send
    // says through whom (read off the step's state).
    let entries = tl["entries"].as_array().unwrap();
    let at = |e: &Value| {
        e["at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
    };
    assert!(entries.windows(2).all(|w| at(&w[0]) <= at(&w[1])), "{tl}");
    assert_eq!(entries[0]["kind"], "enrolled", "{tl}");
    let first_sent = entries.iter().position(|e| e["kind"] == "sent").unwrap();
    let last_planned = entries
        .iter()
        .rposition(|e| e["kind"] == "planned")
        .unwrap();
    assert!(last_planned < first_sent, "{tl}");
    let sent: Vec<&Value> = entries.iter().filter(|e| e["kind"] == "sent").collect();
    assert!(
        sent.iter()
            .all(|e| e["reason"] == "via outbox" && e["sendAt"] == e["at"]),
        "{tl}"
    );
    assert!(
        sent.iter()
            .any(|e| e["step"] == "welcome" && e["channel"] == "email"),
        "{tl}"
    );
}

#[tokio::test]
async fn late_registrant_gets_a_compressed_sequence() {
    let s = TestServer::start("2026-12-08T17:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    let enrolled = s.enroll(&event, "late@example.com", None).await;
    s.advance_to("2026-12-10T17:00:00Z").await;
    let email = sends_to(&s.outbox().await, "late@example.com");
    let got: Vec<(&str, &str)> = email
        .iter()
        .map(|(st, _, at)| (st.as_str(), at.as_str()))
        .collect();
    // 48 h before: the 7-day window maps onto [r, S) with factor 2/7; the
    // first nurture lands on the welcome and is dropped by min_gap. The
    // funnel's daily cap (3 emails per local day) then holds back the
    // compressed case study (15:25 EST) and nudge (22:17 EST) on Dec 9.
    assert_eq!(
        got,
        vec![
            ("welcome", "2026-12-08T17:00:02Z"),
            ("nurture-mistakes", "2026-12-09T06:42:52Z"),
            ("day-before", "2026-12-09T14:00:00Z"),
            ("reminder-24h", "2026-12-09T17:00:00Z"),
            ("reminder-1h", "2026-12-10T16:00:00Z"),
        ]
    );
    let id = enrolled["enrollmentId"].as_str().unwrap();
    let tl: Value = s
        .admin_get(&format!("/v1/enrollments/{id}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    let entries = tl["entries"].as_array().unwrap();
    let reason = |step: &str, kind: &str| {
        entries
            .iter()
            .find(|e| e["step"] == step && e["kind"] == kind)
            .map(|e| e["reason"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(
        reason("nurture-story", "skipped").as_deref(),
        Some("min_gap")
    );
    assert_eq!(
        reason("nurture-case-study", "skipped").as_deref(),
        Some("daily_cap")
    );
    assert_eq!(
        reason("nurture-nudge", "skipped").as_deref(),
        Some("daily_cap")
    );
}

#[tokio::test]
async fn a_repeated_delivery_sends_once() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    let enrolled = s.enroll(&event, "twice@example.com", None).await;
    s.advance_to("2026-12-01T15:00:05Z").await;
    assert_eq!(sends_to(&s.outbox().await, "twice@example.com").len(), 1);
    // The same pointer again, twice (as SQS or the scheduler may deliver it).
    let message = myx_engine::WorkMessage::ContactStep {
        tenant: "dev".into(),
        event: event.clone(),
        contact: enrolled["contactId"].as_str().unwrap().into(),
        step: "welcome".into(),
        channel: myx_core::Channel::Email,
        schedule_version: 1,
    };
    myx_engine::WorkQueue::enqueue(
        s.stack.engine.queue.as_ref(),
        vec![message.clone(), message],
        0,
    )
    .await
    .unwrap();
    s.advance_to("2026-12-01T15:10:00Z").await;
    assert_eq!(sends_to(&s.outbox().await, "twice@example.com").len(), 1);
}

/// The business name and opt-out text go with a contact's first SMS ever,
/// not with the first of every event; a contact whose earlier SMS predate
/// the `SMSINTRO` marker (only the message record exists) is not
/// introduced again either, and gets the marker.
#[tokio::test]
async fn only_a_contacts_first_sms_ever_carries_the_opt_out_text() {
    use myx_engine::{keys, Condition, Item};
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let first = s.webinar_event(START, END).await;
    let second = s
        .webinar_event("2026-12-20T17:00:00Z", "2026-12-20T18:00:00Z")
        .await;
    let ada = s
        .enroll(&first, "ada@example.com", Some("+14155550123"))
        .await;
    s.advance_to("2026-12-01T15:10:00Z").await;
    let sms_bodies = |outbox: &[Value], to: &str| -> Vec<String> {
        outbox
            .iter()
            .filter(|m| m["channel"] == "sms" && m["to"] == to)
            .map(|m| m["body"].as_str().unwrap().to_string())
            .collect()
    };
    let ada_sms = sms_bodies(&s.outbox().await, "+14155550123");
    assert_eq!(ada_sms.len(), 1, "{ada_sms:?}");
    assert!(ada_sms[0].contains("STOP"), "{}", ada_sms[0]);

    // A legacy contact: an SMS message record, no marker.
    let legacy = s
        .enroll(&first, "grace@example.com", Some("+14155550124"))
        .await;
    let contact = legacy["contactId"].as_str().unwrap();
    let store = &s.stack.engine.store;
    let marker = keys::sms_introduced("dev", contact);
    store.delete(&marker, Condition::None).await.unwrap();
    // (Her welcome SMS is not sent yet; her record says she had one.)
    let at: jiff::Timestamp = "2026-11-01T12:00:00Z".parse().unwrap();
    store
        .put(
            Item::new(
                keys::message("dev", contact, at, "msg_legacy"),
                serde_json::json!({"channel": "sms", "step": "old", "status": "sent"}),
            ),
            Condition::NotExists,
        )
        .await
        .unwrap();

    s.enroll(&second, "ada@example.com", Some("+14155550123"))
        .await;
    s.advance_to("2026-12-01T15:20:00Z").await;
    let outbox = s.outbox().await;
    let ada_sms = sms_bodies(&outbox, "+14155550123");
    assert_eq!(ada_sms.len(), 2, "{ada_sms:?}");
    assert!(!ada_sms[1].contains("STOP"), "second event: {}", ada_sms[1]);
    let grace_sms = sms_bodies(&outbox, "+14155550124");
    assert_eq!(grace_sms.len(), 1, "{grace_sms:?}");
    assert!(!grace_sms[0].contains("STOP"), "legacy: {}", grace_sms[0]);
    assert!(store.get(&marker).await.unwrap().is_some(), "marker set");
    assert!(ada["contactId"].is_string());
}

#[tokio::test]
async fn a_changed_tenant_shows_in_the_next_email() {
    // Sends read the tenant from a per-process cache; a write replaces it.
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    s.enroll(&event, "ada@example.com", None).await;
    s.advance_to("2026-12-01T15:01:00Z").await;
    let engine = &s.stack.engine;
    let mut tenant = myx_engine::tenants::get_tenant(engine, "dev")
        .await
        .unwrap()
        .as_ref()
        .clone();
    tenant.postal_address = "9 New Road, Springfield".into();
    myx_engine::tenants::put_tenant(engine, &tenant)
        .await
        .unwrap();
    s.advance_to("2026-12-03T17:01:00Z").await;
    let outbox = s.outbox().await;
    let body = |step: &str| {
        outbox
            .iter()
            .find(|m| m["step"] == step && m["channel"] == "email")
            .unwrap_or_else(|| panic!("no {step} email"))["body"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(body("welcome").contains("1 Example Street"));
    let story = body("nurture-story");
    assert!(story.contains("9 New Road, Springfield"), "{story}");
    assert!(!story.contains("1 Example Street"), "{story}");
}
