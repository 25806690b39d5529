//! An enrollment is written as conditional puts in phases, with the
//! registration as the commit point. These tests stop it between phases,
//! as a crash would, and retry: nothing is lost, nothing is doubled, and
//! the person gets their funnel once.

use crate::common::*;
use myx_engine::enroll::enroll;
use myx_engine::keys::{self, sha256_hex};
use myx_engine::{EngineError, StoreError, WriteOp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const EMAIL: &str = "grace@example.com";

/// `write_in_order` calls that write a key whose sort key starts with
/// `prefix` apply their first `phases` phases, then fail.
struct DiesBefore {
    prefix: &'static str,
    phases: usize,
}

impl Fault for DiesBefore {
    fn write_in_order(&self, phases: &[Vec<WriteOp>]) -> Option<TransactFailure> {
        let hit = phases.iter().flatten().any(
            |op| matches!(op, WriteOp::Put { item, .. } if item.key.sk.starts_with(self.prefix)),
        );
        let died = StoreError::Unavailable("injected: the process died".into());
        hit.then_some(TransactFailure::PhasesThenFail(self.phases, died))
    }
}

fn body(event: &str) -> Value {
    json!({"email": EMAIL, "firstName": "Grace", "lastName": "Hopper", "eventId": event})
}

async fn item(s: &TestServer, key: &myx_engine::Key) -> Option<myx_engine::Item> {
    s.stack.engine.store.get(key).await.unwrap()
}

fn welcomes(outbox: &[Value]) -> usize {
    outbox
        .iter()
        .filter(|m| m["to"] == EMAIL && m["step"] == "welcome")
        .count()
}

async fn timeline_kinds(s: &TestServer, enrollment: &str) -> Vec<String> {
    let r = s
        .admin_get(&format!("/v1/enrollments/{enrollment}/timeline"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_crash_after_the_email_index_leaves_a_contact_the_retry_writes() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s
        .webinar_event("2026-12-10T17:00:00Z", "2026-12-10T18:00:00Z")
        .await;
    let dying = engine_with_fault(
        &s,
        DiesBefore {
            prefix: keys::REGISTRATION_PREFIX,
            phases: 1,
        },
    );
    let failed = enroll(&dying, "dev", &body(&event), None).await;
    assert!(
        matches!(failed, Err(EngineError::Unavailable(_))),
        "{failed:?}"
    );
    // Only the email's index landed: it names a contact never written.
    let index = item(&s, &keys::contact_by_email("dev", &sha256_hex(EMAIL)))
        .await
        .expect("the email's index");
    let contact = index.data["contactId"].as_str().unwrap().to_string();
    assert!(item(&s, &keys::contact("dev", &contact)).await.is_none());
    assert!(item(&s, &keys::registration("dev", &event, &contact))
        .await
        .is_none());

    // The form is submitted again: the same contact, written this time.
    let enrolled = s.enroll(&event, EMAIL, None).await;
    assert_eq!(enrolled["contactId"], contact.as_str());
    let stored = item(&s, &keys::contact("dev", &contact))
        .await
        .expect("the contact");
    assert_eq!(stored.data["firstName"], "Ada", "the retry's own fields");
    s.advance_to("2026-12-01T15:01:00Z").await;
    assert_eq!(welcomes(&s.outbox().await), 1);
    let enrollment = enrolled["enrollmentId"].as_str().unwrap();
    assert_eq!(
        timeline_kinds(&s, enrollment)
            .await
            .first()
            .map(String::as_str),
        Some("enrolled")
    );
}

#[tokio::test]
async fn a_crash_after_the_registration_is_completed_by_the_retry_with_its_key() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s
        .webinar_event("2026-12-10T17:00:00Z", "2026-12-10T18:00:00Z")
        .await;
    // The registration is stored; none of what follows it is.
    let dying = engine_with_fault(
        &s,
        DiesBefore {
            prefix: keys::CONTACT_ENROLLMENT_PREFIX,
            phases: 0,
        },
    );
    let key = Some("form-submit-42");
    let failed = enroll(&dying, "dev", &body(&event), key).await;
    assert!(
        matches!(&failed, Err(EngineError::Unavailable(m)) if m.contains("stored")),
        "{failed:?}"
    );
    let index = item(&s, &keys::contact_by_email("dev", &sha256_hex(EMAIL)))
        .await
        .unwrap();
    let contact = index.data["contactId"].as_str().unwrap().to_string();
    let reg = item(&s, &keys::registration("dev", &event, &contact))
        .await
        .expect("the registration is the commit point");
    let enrollment = reg.data["enrollmentId"].as_str().unwrap().to_string();
    assert!(item(&s, &keys::contact_enrollment("dev", &contact, &event))
        .await
        .is_none());

    // The client retries with its key: the first request's enrollment,
    // answered as a 201, with what it lacked written.
    let retried = enroll(&s.stack.engine, "dev", &body(&event), key)
        .await
        .unwrap();
    assert_eq!(retried.status, 201);
    assert_eq!(retried.body["enrollmentId"], enrollment.as_str());
    assert!(item(&s, &keys::contact_enrollment("dev", &contact, &event))
        .await
        .is_some());
    let kinds = timeline_kinds(&s, &enrollment).await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "enrolled").count(),
        1,
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|k| k == "planned"), "{kinds:?}");

    // Once more with the key: the record replays the same answer; without
    // it, the enrollment is a duplicate; the repair is not repeated.
    let replayed = enroll(&s.stack.engine, "dev", &body(&event), key)
        .await
        .unwrap();
    assert_eq!(replayed, retried);
    let duplicate = s.post("/v1/enrollments", body(&event)).await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    let problem: Value = duplicate.json().await.unwrap();
    assert_eq!(problem["existing"]["enrollmentId"], enrollment.as_str());
    assert_eq!(timeline_kinds(&s, &enrollment).await, kinds);

    // The funnel runs once: the sends never depended on what was missing.
    s.advance_to("2026-12-01T15:01:00Z").await;
    assert_eq!(welcomes(&s.outbox().await), 1);
}

#[tokio::test]
async fn a_key_reused_with_another_body_is_refused_even_after_a_repair() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s
        .webinar_event("2026-12-10T17:00:00Z", "2026-12-10T18:00:00Z")
        .await;
    let key = Some("form-submit-43");
    let first = enroll(&s.stack.engine, "dev", &body(&event), key)
        .await
        .unwrap();
    assert_eq!(first.status, 201);
    let mut other = body(&event);
    other["firstName"] = json!("Amazing Grace");
    let refused = enroll(&s.stack.engine, "dev", &other, key).await;
    assert!(
        matches!(refused, Err(EngineError::Unprocessable(_))),
        "{refused:?}"
    );
    // The record holds no answer, only what rebuilds it.
    let record = item(&s, &keys::idempotency("dev", &sha256_hex("form-submit-43")))
        .await
        .unwrap();
    assert!(record.data.get("body").is_none(), "{:?}", record.data);
    assert_eq!(
        enroll(&s.stack.engine, "dev", &body(&event), key)
            .await
            .unwrap(),
        first
    );
}
