//! The send pipeline's claim and daily count are two writes, not one
//! transaction: when the count moved between its read and its write (a
//! concurrent send of the same contact), the claim is released and the
//! message retried, so the retry sends it once and a later duplicate
//! delivery sends nothing.

use crate::common::*;
use myx_core::Channel;
use myx_engine::send::{process, Outcome};
use myx_engine::{keys, Item, StoreError};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The first write of a daily count fails its condition, as if another
/// send had counted first.
struct FirstCountRaces {
    refused: AtomicUsize,
}

impl Fault for FirstCountRaces {
    fn put(&self, item: &Item) -> Option<StoreError> {
        let first =
            item.key.sk.starts_with("COUNT#") && self.refused.fetch_add(1, Ordering::SeqCst) == 0;
        first.then(|| StoreError::ConditionFailed(item.key.clone()))
    }
}

#[tokio::test]
async fn a_daily_count_that_moved_releases_the_claim_and_the_retry_sends_once() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s
        .webinar_event("2026-12-10T17:00:00Z", "2026-12-10T18:00:00Z")
        .await;
    let enrolled = s.enroll(&event, "ada@example.com", None).await;
    let contact = enrolled["contactId"].as_str().unwrap().to_string();
    // The welcome is queued 2 s out; run it by hand first.
    let welcome = welcome_email(&event, &contact);
    let racing = engine_with_fault(
        &s,
        FirstCountRaces {
            refused: AtomicUsize::new(0),
        },
    );
    let outcome = process(&racing, &welcome, false).await.unwrap();
    assert_eq!(
        outcome,
        Outcome::Retry("daily count changed concurrently".into())
    );
    let claim = keys::step_state("dev", &event, &contact, "welcome", Channel::Email);
    assert!(
        s.stack.engine.store.get(&claim).await.unwrap().is_none(),
        "the claim is released"
    );
    assert!(s.outbox().await.is_empty(), "nothing sent");

    // The retry (the count now writes) sends it.
    assert_eq!(
        process(&racing, &welcome, false).await.unwrap(),
        Outcome::Done
    );
    let welcomes = |outbox: Vec<serde_json::Value>| {
        outbox
            .into_iter()
            .filter(|m| m["step"] == "welcome" && m["channel"] == "email")
            .count()
    };
    assert_eq!(welcomes(s.outbox().await), 1);
    // The queued delivery of the same step finds the claim.
    s.advance_to("2026-12-01T15:01:00Z").await;
    assert_eq!(welcomes(s.outbox().await), 1, "sent once");
}
