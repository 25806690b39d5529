//! Durable one-shot timers: replace by name, cancel, fire into the queue in
//! due order, and survive a restart.

use crate::common::{message, mins, secs, t0};
use jiff::Timestamp;
use myx_engine::{ManualClock, TimerSpec, Timers, WorkMessage};
use myx_local::{LocalDb, LocalQueue};
use std::sync::Arc;
use tempfile::TempDir;

fn timer(name: &str, due_at: Timestamp, contact: &str) -> TimerSpec {
    TimerSpec {
        name: name.into(),
        due_at,
        message: message(contact),
    }
}

fn queue(db: &LocalDb) -> LocalQueue {
    db.queue(Arc::new(ManualClock::new(t0())))
}

async fn received(queue: &LocalQueue, now: Timestamp) -> Vec<WorkMessage> {
    queue
        .receive(now, 100, mins(10))
        .await
        .expect("receive succeeds")
        .into_iter()
        .map(|d| d.message)
        .collect()
}

fn names(timers: &[TimerSpec]) -> Vec<&str> {
    timers.iter().map(|t| t.name.as_str()).collect()
}

#[tokio::test]
async fn fire_due_moves_due_timers_into_the_queue_in_due_order() {
    let db = LocalDb::open_in_memory().expect("opens");
    let (timers, queue) = (db.timers(), queue(&db));
    timers
        .schedule(timer("b", t0() + secs(2), "b"))
        .await
        .expect("ok");
    timers
        .schedule(timer("c", t0() + secs(3), "c"))
        .await
        .expect("ok");
    timers
        .schedule(timer("a", t0() + secs(1), "a"))
        .await
        .expect("ok");
    timers
        .schedule(timer("a2", t0() + secs(1), "a2"))
        .await
        .expect("ok");
    assert_eq!(
        timers.next_due_at().await.expect("ok"),
        Some(t0() + secs(1))
    );

    assert_eq!(timers.fire_due(t0()).await.expect("ok"), 0);
    assert_eq!(timers.fire_due(t0() + secs(2)).await.expect("ok"), 3);
    assert_eq!(
        received(&queue, t0() + secs(2)).await,
        ["a", "a2", "b"].map(message)
    );
    assert_eq!(names(&timers.pending().await.expect("ok")), ["c"]);
    assert_eq!(
        timers.next_due_at().await.expect("ok"),
        Some(t0() + secs(3))
    );
    assert_eq!(
        timers.fire_due(t0() + secs(2)).await.expect("ok"),
        0,
        "fired once"
    );
    assert_eq!(timers.fire_due(t0() + secs(3)).await.expect("ok"), 1);
    assert_eq!(timers.next_due_at().await.expect("ok"), None);
    assert!(timers.pending().await.expect("ok").is_empty());
}

#[tokio::test]
async fn a_late_fire_queues_messages_visible_from_their_due_time() {
    let db = LocalDb::open_in_memory().expect("opens");
    let (timers, queue) = (db.timers(), queue(&db));
    queue
        .enqueue_at(vec![message("queued-later")], t0() + secs(5))
        .await
        .expect("ok");
    timers
        .schedule(timer("t", t0() + secs(1), "timer"))
        .await
        .expect("ok");
    assert_eq!(timers.fire_due(t0() + mins(10)).await.expect("ok"), 1);
    assert_eq!(
        queue.next_visible_at().await.expect("ok"),
        Some(t0() + secs(1))
    );
    assert_eq!(
        received(&queue, t0() + mins(10)).await,
        [message("timer"), message("queued-later")]
    );
}

#[tokio::test]
async fn scheduling_a_name_again_replaces_the_timer() {
    let db = LocalDb::open_in_memory().expect("opens");
    let (timers, queue) = (db.timers(), queue(&db));
    timers
        .schedule(timer("step-1", t0() + secs(1), "first"))
        .await
        .expect("ok");
    timers
        .schedule(timer("step-1", t0() + secs(5), "second"))
        .await
        .expect("ok");
    let pending = timers.pending().await.expect("ok");
    assert_eq!(pending, [timer("step-1", t0() + secs(5), "second")]);
    assert_eq!(timers.fire_due(t0() + secs(4)).await.expect("ok"), 0);
    assert_eq!(timers.fire_due(t0() + secs(5)).await.expect("ok"), 1);
    assert_eq!(received(&queue, t0() + secs(5)).await, [message("second")]);
}

#[tokio::test]
async fn cancel_deletes_by_name_and_tolerates_unknown_names() {
    let db = LocalDb::open_in_memory().expect("opens");
    let (timers, queue) = (db.timers(), queue(&db));
    timers
        .schedule(timer("keep", t0(), "keep"))
        .await
        .expect("ok");
    timers
        .schedule(timer("drop", t0(), "drop"))
        .await
        .expect("ok");
    timers.cancel("drop").await.expect("ok");
    timers
        .cancel("drop")
        .await
        .expect("cancelling twice is fine");
    timers
        .cancel("never-made")
        .await
        .expect("an unknown name is fine");
    assert_eq!(timers.fire_due(t0()).await.expect("ok"), 1);
    assert_eq!(received(&queue, t0()).await, [message("keep")]);
}

#[tokio::test]
async fn names_outside_eventbridge_rules_are_refused() {
    let db = LocalDb::open_in_memory().expect("opens");
    let timers = db.timers();
    for name in ["", "has space", "hash#", &"x".repeat(65)] {
        let result = timers.schedule(timer(name, t0(), "x")).await;
        assert!(result.is_err(), "{name:?}");
    }
    timers
        .schedule(timer(&"x".repeat(64), t0(), "x"))
        .await
        .expect("64 characters are allowed");
    assert_eq!(timers.pending().await.expect("ok").len(), 1);
}

#[tokio::test]
async fn pending_timers_survive_a_restart() {
    let dir = TempDir::new().expect("a temporary directory");
    let path = dir.path().join("myx.sqlite3");
    {
        let db = LocalDb::open(&path).expect("opens");
        let timers = db.timers();
        timers
            .schedule(timer("later", t0() + mins(5), "later"))
            .await
            .expect("ok");
        timers
            .schedule(timer("sooner", t0() + mins(1), "sooner"))
            .await
            .expect("ok");
        timers
            .schedule(timer("gone", t0(), "gone"))
            .await
            .expect("ok");
        timers.cancel("gone").await.expect("ok");
    }
    let db = LocalDb::open(&path).expect("reopens");
    let (timers, queue) = (db.timers(), queue(&db));
    assert_eq!(
        names(&timers.pending().await.expect("ok")),
        ["sooner", "later"]
    );
    assert_eq!(
        timers.next_due_at().await.expect("ok"),
        Some(t0() + mins(1))
    );
    assert_eq!(timers.fire_due(t0() + mins(5)).await.expect("ok"), 2);
    assert_eq!(
        received(&queue, t0() + mins(5)).await,
        [message("sooner"), message("later")]
    );
}

#[tokio::test]
async fn schedule_all_writes_every_timer_or_none() {
    let db = LocalDb::open_in_memory().expect("opens");
    let timers = db.timers();
    timers
        .schedule_all(vec![
            timer("x1", t0() + secs(5), "x1"),
            timer("x2", t0() + secs(1), "x2"),
            timer("x1", t0() + secs(9), "x1-again"),
        ])
        .await
        .expect("ok");
    let pending = timers.pending().await.expect("ok");
    // The later entry of a name replaces the earlier one, as two schedules would.
    assert_eq!(names(&pending), ["x2", "x1"]);
    assert_eq!(pending[1].due_at, t0() + secs(9));
    assert_eq!(pending[1].message, message("x1-again"));

    // One invalid name refuses the whole call: nothing of it is written.
    let refused = timers
        .schedule_all(vec![
            timer("ok-name", t0() + secs(2), "y"),
            timer("not a valid name!", t0() + secs(3), "z"),
        ])
        .await;
    assert!(refused.is_err());
    assert_eq!(names(&timers.pending().await.expect("ok")), ["x2", "x1"]);

    // Cancelling several at once, including one that never existed.
    timers
        .cancel_all(vec!["x1".into(), "never-made".into()])
        .await
        .expect("ok");
    assert_eq!(names(&timers.pending().await.expect("ok")), ["x2"]);
}
