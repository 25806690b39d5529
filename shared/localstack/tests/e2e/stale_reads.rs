//! Sends read eventually consistently. A replica that has not caught up
//! with a new enrollment must not make its welcome look orphaned: what
//! seems missing is read again, strongly, and the welcome goes out once.

use crate::common::*;
use myx_engine::send::{process, Outcome};

struct NothingReplicatedYet;

impl Fault for NothingReplicatedYet {
    fn stale_reads(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn a_send_whose_eventual_read_is_stale_reads_again_and_sends_once() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s
        .webinar_event("2026-12-10T17:00:00Z", "2026-12-10T18:00:00Z")
        .await;
    let enrolled = s.enroll(&event, "ada@example.com", None).await;
    let contact = enrolled["contactId"].as_str().unwrap();
    let welcome = welcome_email(&event, contact);
    let stale = engine_with_fault(&s, NothingReplicatedYet);
    assert_eq!(
        process(&stale, &welcome, false).await.unwrap(),
        Outcome::Done
    );
    // A repeated delivery: its stale read again leads to the strong one,
    // which sees the sent record and stops.
    assert_eq!(
        process(&stale, &welcome, false).await.unwrap(),
        Outcome::Done
    );
    let welcomes: Vec<_> = sends_to(&s.outbox().await, "ada@example.com")
        .into_iter()
        .filter(|(step, _, _)| step == "welcome")
        .collect();
    assert_eq!(welcomes.len(), 1, "{welcomes:?}");
}
