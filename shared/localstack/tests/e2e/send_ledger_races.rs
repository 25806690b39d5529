//! A send is claimed in the contact's day ledger (one versioned put that
//! also counts it toward the daily cap) before the provider is called, and
//! recorded after. These tests break that sequence where it can break: a
//! concurrent send moving the ledger between its read and its write, and an
//! attempt dying between the provider call and the record.

use crate::common::*;
use myx_core::Channel;
use myx_engine::send::{process, Outcome};
use myx_engine::{keys, Item, StoreError};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The first `refusals` writes of a day ledger fail their condition, as if
/// another send of the contact had claimed first.
struct LedgerRaces {
    refusals: usize,
    refused: AtomicUsize,
}

impl LedgerRaces {
    fn first(refusals: usize) -> Self {
        Self {
            refusals,
            refused: AtomicUsize::new(0),
        }
    }
}

impl Fault for LedgerRaces {
    fn put(&self, item: &Item) -> Option<StoreError> {
        let refuse = item.key.sk.starts_with("COUNT#")
            && self.refused.fetch_add(1, Ordering::SeqCst) < self.refusals;
        refuse.then(|| StoreError::ConditionFailed(item.key.clone()))
    }
}

/// The send's record cannot be written: the attempt dies after the
/// provider took the message.
struct RecordLost;

impl Fault for RecordLost {
    fn put(&self, item: &Item) -> Option<StoreError> {
        item.key
            .sk
            .starts_with("STEP#")
            .then(|| StoreError::Unavailable("the process died".into()))
    }
}

fn welcomes(outbox: Vec<serde_json::Value>) -> usize {
    outbox
        .into_iter()
        .filter(|m| m["step"] == "welcome" && m["channel"] == "email")
        .count()
}

async fn enrolled_ada(s: &TestServer) -> (String, String) {
    let event = s
        .webinar_event("2026-12-10T17:00:00Z", "2026-12-10T18:00:00Z")
        .await;
    let enrolled = s.enroll(&event, "ada@example.com", None).await;
    let contact = enrolled["contactId"].as_str().unwrap().to_string();
    (event, contact)
}

#[tokio::test]
async fn a_ledger_that_moved_is_read_again_and_the_send_goes_once() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let (event, contact) = enrolled_ada(&s).await;
    // The welcome is queued 2 s out; run it by hand first.
    let welcome = welcome_email(&event, &contact);
    let racing = engine_with_fault(&s, LedgerRaces::first(2));
    assert_eq!(
        process(&racing, &welcome, false).await.unwrap(),
        Outcome::Done
    );
    assert_eq!(welcomes(s.outbox().await), 1);
    let ledger = s
        .stack
        .engine
        .store
        .get(&keys::send_ledger(
            "dev",
            &contact,
            Channel::Email,
            "2026-12-01",
        ))
        .await
        .unwrap()
        .expect("the day's ledger");
    assert_eq!(ledger.data["count"], 1);
    assert!(ledger.data["sends"][format!("{event}#welcome")].is_object());
    // The queued delivery of the same step finds the record.
    s.advance_to("2026-12-01T15:01:00Z").await;
    assert_eq!(welcomes(s.outbox().await), 1, "sent once");
}

#[tokio::test]
async fn a_ledger_that_keeps_moving_sends_nothing_and_asks_for_a_retry() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let (event, contact) = enrolled_ada(&s).await;
    let welcome = welcome_email(&event, &contact);
    let racing = engine_with_fault(&s, LedgerRaces::first(usize::MAX));
    assert_eq!(
        process(&racing, &welcome, false).await.unwrap(),
        Outcome::Retry("the day's send ledger changed concurrently".into())
    );
    assert!(s.outbox().await.is_empty(), "nothing sent");
    let record = keys::step_state("dev", &event, &contact, "welcome", Channel::Email);
    assert!(s.stack.engine.store.get(&record).await.unwrap().is_none());
    // The retry, with the ledger quiet again, sends it once.
    s.advance_to("2026-12-01T15:01:00Z").await;
    assert_eq!(welcomes(s.outbox().await), 1);
}

#[tokio::test]
async fn an_attempt_that_dies_after_the_provider_call_is_not_sent_again() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let (event, contact) = enrolled_ada(&s).await;
    let welcome = welcome_email(&event, &contact);
    let dying = engine_with_fault(&s, RecordLost);
    assert!(
        process(&dying, &welcome, false).await.is_err(),
        "the attempt fails after the provider call"
    );
    assert_eq!(welcomes(s.outbox().await), 1, "the provider took it");
    let record = keys::step_state("dev", &event, &contact, "welcome", Channel::Email);
    assert!(s.stack.engine.store.get(&record).await.unwrap().is_none());

    // The redelivery finds the claim without a record: nothing is sent, and
    // the attempt is recorded as claimed (it may have sent).
    assert_eq!(
        process(&s.stack.engine, &welcome, false).await.unwrap(),
        Outcome::Done
    );
    assert_eq!(welcomes(s.outbox().await), 1, "at most once");
    let item = s.stack.engine.store.get(&record).await.unwrap().unwrap();
    assert_eq!(item.data["status"], "claimed");
    assert!(item.data["messageId"].is_string());
    s.advance_to("2026-12-01T15:01:00Z").await;
    assert_eq!(welcomes(s.outbox().await), 1);
}

#[tokio::test]
async fn a_claim_from_the_day_before_still_stops_a_late_redelivery() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let (event, contact) = enrolled_ada(&s).await;
    let welcome = welcome_email(&event, &contact);
    let dying = engine_with_fault(&s, RecordLost);
    assert!(process(&dying, &welcome, false).await.is_err());
    assert_eq!(welcomes(s.outbox().await), 1);
    // The redelivery comes the next day in Ada's zone (New York), after a
    // long outage: the clock moves without running the queue.
    s.stack
        .virtual_clock
        .as_ref()
        .expect("a virtual clock")
        .advance_to("2026-12-02T15:00:00Z".parse().unwrap());
    assert_eq!(
        process(&s.stack.engine, &welcome, false).await.unwrap(),
        Outcome::Done
    );
    assert_eq!(welcomes(s.outbox().await), 1, "at most once");
}
