//! The durable work queue: visibility, retries, dead letters, redrive and
//! recovery after a restart.

use crate::common::{message, mins, secs, t0};
use myx_engine::{ManualClock, WorkMessage, WorkQueue};
use myx_local::{Delivery, FailOutcome, LocalDb, LocalQueue, MessageId, Redrive};
use std::sync::Arc;
use tempfile::TempDir;

fn queue_at(db: &LocalDb) -> (LocalQueue, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(t0()));
    (db.queue(clock.clone()), clock)
}

fn memory_queue() -> LocalQueue {
    let db = LocalDb::open_in_memory().expect("an in-memory database opens");
    queue_at(&db).0
}

fn messages(deliveries: &[Delivery]) -> Vec<WorkMessage> {
    deliveries.iter().map(|d| d.message.clone()).collect()
}

async fn receive_one(queue: &LocalQueue, now: jiff::Timestamp) -> Delivery {
    let mut got = queue
        .receive(now, 10, mins(10))
        .await
        .expect("receive succeeds");
    assert_eq!(
        got.len(),
        1,
        "exactly one message visible at {now}: {got:?}"
    );
    got.remove(0)
}

#[tokio::test]
async fn enqueue_dates_messages_by_the_clock_and_delay() {
    let db = LocalDb::open_in_memory().expect("opens");
    let (queue, clock) = queue_at(&db);
    clock.advance_to(t0() + secs(100));
    queue
        .enqueue(vec![message("now")], 0)
        .await
        .expect("enqueue succeeds");
    queue
        .enqueue(vec![message("later"), message("later2")], 900)
        .await
        .expect("enqueue succeeds");
    assert_eq!(
        queue.next_visible_at().await.expect("ok"),
        Some(t0() + secs(100))
    );
    let before = queue
        .receive(t0() + secs(99), 10, secs(30))
        .await
        .expect("ok");
    assert!(
        before.is_empty(),
        "nothing is visible before the clock's now"
    );
    let first = queue
        .receive(t0() + secs(100), 10, secs(30))
        .await
        .expect("ok");
    assert_eq!(messages(&first), [message("now")]);
    assert_eq!(
        queue.next_visible_at().await.expect("ok"),
        Some(t0() + secs(130)),
        "the in-flight message reappears first"
    );
    let early = queue
        .receive(t0() + secs(999), 10, secs(30))
        .await
        .expect("ok");
    assert!(messages(&early).iter().all(|m| m == &message("now")));
    let later = queue
        .receive(t0() + secs(1000), 10, secs(30))
        .await
        .expect("ok");
    assert_eq!(messages(&later), [message("later"), message("later2")]);
}

#[tokio::test]
async fn enqueue_refuses_delays_beyond_sqs_limit() {
    let queue = memory_queue();
    let result = queue.enqueue(vec![message("x")], 901).await;
    assert!(result.is_err(), "{result:?}");
    assert_eq!(queue.next_visible_at().await.expect("ok"), None);
}

#[tokio::test]
async fn received_messages_hide_until_the_visibility_timeout() {
    let queue = memory_queue();
    queue
        .enqueue_at(vec![message("a")], t0())
        .await
        .expect("enqueue succeeds");
    let first = receive_one(&queue, t0()).await;
    assert_eq!(first.receive_count, 1);
    let hidden = queue
        .receive(t0() + mins(10) - secs(1), 10, mins(10))
        .await
        .expect("ok");
    assert!(hidden.is_empty(), "{hidden:?}");
    let again = receive_one(&queue, t0() + mins(10)).await;
    assert_eq!(again.id, first.id);
    assert_eq!(again.receive_count, 2);
}

#[tokio::test]
async fn receive_honours_max_and_refuses_a_zero_visibility_timeout() {
    let queue = memory_queue();
    let all: Vec<_> = (0..5).map(|i| message(&format!("c{i}"))).collect();
    queue.enqueue_at(all.clone(), t0()).await.expect("ok");
    let mut seen = Vec::new();
    for expected in [2, 2, 1, 0] {
        let got = queue.receive(t0(), 2, mins(1)).await.expect("ok");
        assert_eq!(got.len(), expected);
        seen.extend(messages(&got));
    }
    assert_eq!(seen, all);
    assert!(queue
        .receive(t0(), 0, mins(1))
        .await
        .expect("ok")
        .is_empty());
    assert!(queue.receive(t0(), 1, secs(0)).await.is_err());
}

#[tokio::test]
async fn messages_come_out_in_visibility_order_then_enqueue_order() {
    let queue = memory_queue();
    queue
        .enqueue_at(vec![message("late")], t0() + secs(10))
        .await
        .expect("ok");
    queue
        .enqueue_at(vec![message("early")], t0() + secs(5))
        .await
        .expect("ok");
    queue
        .enqueue_at(vec![message("now1"), message("now2")], t0())
        .await
        .expect("ok");
    queue
        .enqueue_at(vec![message("now3")], t0())
        .await
        .expect("ok");
    let got = queue
        .receive(t0() + secs(10), 10, mins(1))
        .await
        .expect("ok");
    assert_eq!(
        messages(&got),
        ["now1", "now2", "now3", "early", "late"].map(message)
    );
}

#[tokio::test]
async fn ack_many_removes_exactly_the_given_messages() {
    let queue = memory_queue();
    queue
        .enqueue_at(vec![message("a"), message("b"), message("c")], t0())
        .await
        .expect("ok");
    let got = queue.receive(t0(), 10, mins(1)).await.expect("ok");
    assert_eq!(got.len(), 3);
    let (a, b, c) = (got[0].id, got[1].id, got[2].id);
    assert_eq!(queue.ack_many(vec![a, c]).await.expect("ok"), 2);
    assert_eq!(
        queue.ack_many(vec![a, c]).await.expect("ok"),
        0,
        "acked messages are gone"
    );
    let back = receive_one(&queue, t0() + mins(2)).await;
    assert_eq!((back.id, back.message), (b, message("b")));
}

#[tokio::test]
async fn ack_removes_a_message_for_good() {
    let queue = memory_queue();
    queue
        .enqueue_at(vec![message("a")], t0())
        .await
        .expect("ok");
    let delivery = receive_one(&queue, t0()).await;
    assert!(queue.ack(delivery.id).await.expect("ok"));
    assert!(
        !queue.ack(delivery.id).await.expect("ok"),
        "a second ack finds nothing"
    );
    let later = queue
        .receive(t0() + mins(60), 10, mins(1))
        .await
        .expect("ok");
    assert!(later.is_empty());
    assert_eq!(queue.next_visible_at().await.expect("ok"), None);
    assert_eq!(
        queue
            .fail(delivery.id, t0(), false, "late")
            .await
            .expect("ok"),
        FailOutcome::Unknown
    );
}

#[tokio::test]
async fn failures_retry_after_1_5_and_30_minutes_then_dead_letter() {
    let queue = memory_queue();
    queue
        .enqueue_at(vec![message("flaky")], t0())
        .await
        .expect("ok");
    let mut now = t0();
    for (attempt, delay) in [(1, mins(1)), (2, mins(5)), (3, mins(30))] {
        let delivery = receive_one(&queue, now).await;
        assert_eq!(delivery.receive_count, attempt);
        let failed_at = now + secs(2);
        let outcome = queue
            .fail(delivery.id, failed_at, false, &format!("boom {attempt}"))
            .await
            .expect("ok");
        let retry_at = failed_at + delay;
        assert_eq!(outcome, FailOutcome::RetryAt(retry_at), "attempt {attempt}");
        assert_eq!(queue.next_visible_at().await.expect("ok"), Some(retry_at));
        let early = queue
            .receive(retry_at - secs(1), 10, mins(1))
            .await
            .expect("ok");
        assert!(early.is_empty(), "not before {retry_at}");
        now = retry_at;
    }
    let last = receive_one(&queue, now).await;
    assert_eq!(last.receive_count, 4);
    let outcome = queue.fail(last.id, now, false, "boom 4").await.expect("ok");
    assert_eq!(outcome, FailOutcome::DeadLettered);
    assert!(queue
        .receive(now + mins(600), 10, mins(1))
        .await
        .expect("ok")
        .is_empty());
    assert_eq!(queue.next_visible_at().await.expect("ok"), None);

    let dead = queue.dead_letters().await.expect("ok");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, last.id);
    assert_eq!(dead[0].message, Some(message("flaky")));
    assert_eq!(dead[0].attempts, 4);
    assert_eq!(dead[0].last_error.as_deref(), Some("boom 4"));
    assert_eq!(dead[0].dead_at, now);
}

#[tokio::test]
async fn a_permanent_error_dead_letters_at_once() {
    let queue = memory_queue();
    queue
        .enqueue_at(vec![message("bad")], t0())
        .await
        .expect("ok");
    let delivery = receive_one(&queue, t0()).await;
    let outcome = queue
        .fail(delivery.id, t0() + secs(1), true, "invalid address")
        .await
        .expect("ok");
    assert_eq!(outcome, FailOutcome::DeadLettered);
    let dead = queue.dead_letters().await.expect("ok");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("invalid address"));
    assert!(queue
        .receive(t0() + mins(60), 10, mins(1))
        .await
        .expect("ok")
        .is_empty());
}

#[tokio::test]
async fn a_message_never_acked_dead_letters_after_its_last_attempt() {
    let queue = memory_queue();
    queue
        .enqueue_at(vec![message("crashy")], t0())
        .await
        .expect("ok");
    let mut now = t0();
    for attempt in 1..=4 {
        let delivery = receive_one(&queue, now).await;
        assert_eq!(delivery.receive_count, attempt);
        now += mins(10);
    }
    let fifth = queue.receive(now, 10, mins(10)).await.expect("ok");
    assert!(fifth.is_empty(), "{fifth:?}");
    let dead = queue.dead_letters().await.expect("ok");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 4);
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("not acknowledged")),
        "{dead:?}"
    );
}

#[tokio::test]
async fn redrive_puts_chosen_or_all_dead_letters_back_with_fresh_attempts() {
    let queue = memory_queue();
    let names = ["a", "b", "c"];
    queue
        .enqueue_at(names.map(message).to_vec(), t0())
        .await
        .expect("ok");
    let deliveries = queue.receive(t0(), 10, mins(1)).await.expect("ok");
    for delivery in &deliveries {
        queue
            .fail(delivery.id, t0(), true, "nope")
            .await
            .expect("ok");
    }
    assert_eq!(queue.dead_letters().await.expect("ok").len(), 3);

    let b = deliveries[1].id;
    let moved = queue
        .redrive(Redrive::Ids(vec![b, MessageId(999_999)]), t0() + mins(5))
        .await
        .expect("ok");
    assert_eq!(moved, 1);
    assert!(queue
        .receive(t0() + mins(5) - secs(1), 10, mins(1))
        .await
        .expect("ok")
        .is_empty());
    let back = receive_one(&queue, t0() + mins(5)).await;
    assert_eq!((back.id, back.receive_count), (b, 1));
    let dead: Vec<_> = queue
        .dead_letters()
        .await
        .expect("ok")
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(dead, [deliveries[0].id, deliveries[2].id]);

    let moved = queue
        .redrive(Redrive::All, t0() + mins(6))
        .await
        .expect("ok");
    assert_eq!(moved, 2);
    assert!(queue.dead_letters().await.expect("ok").is_empty());
    let rest = queue
        .receive(t0() + mins(6), 10, mins(1))
        .await
        .expect("ok");
    assert_eq!(messages(&rest), [message("a"), message("c")]);
    assert!(rest.iter().all(|d| d.receive_count == 1));
}

#[tokio::test]
async fn in_flight_and_dead_messages_survive_a_restart() {
    let dir = TempDir::new().expect("a temporary directory");
    let path = dir.path().join("myx.sqlite3");
    let (in_flight, dead) = {
        let db = LocalDb::open(&path).expect("opens");
        let (queue, _) = queue_at(&db);
        queue
            .enqueue_at(["flight", "dead", "waiting"].map(message).to_vec(), t0())
            .await
            .expect("ok");
        let got = queue.receive(t0(), 2, mins(5)).await.expect("ok");
        queue.fail(got[1].id, t0(), true, "gone").await.expect("ok");
        (got[0].id, got[1].id)
    };

    let db = LocalDb::open(&path).expect("reopens");
    let (queue, _) = queue_at(&db);
    let dead_letters = queue.dead_letters().await.expect("ok");
    assert_eq!(dead_letters.len(), 1);
    assert_eq!(dead_letters[0].id, dead);
    let now = queue
        .receive(t0() + secs(1), 10, mins(5))
        .await
        .expect("ok");
    assert_eq!(messages(&now), [message("waiting")]);
    assert_eq!(
        queue.next_visible_at().await.expect("ok"),
        Some(t0() + mins(5))
    );
    let back = receive_one(&queue, t0() + mins(5)).await;
    assert_eq!((back.id, back.receive_count), (in_flight, 2));
}

#[tokio::test]
async fn a_message_that_no_longer_decodes_is_dead_lettered_not_stuck() {
    let dir = TempDir::new().expect("a temporary directory");
    let path = dir.path().join("myx.sqlite3");
    let db = LocalDb::open(&path).expect("opens");
    let (queue, _) = queue_at(&db);
    queue
        .enqueue_at(vec![message("good")], t0())
        .await
        .expect("ok");
    {
        let raw = rusqlite::Connection::open(&path).expect("opens");
        raw.execute(
            "INSERT INTO queue_messages (body, state, visible_at) VALUES (?1, 'ready', 0)",
            [r#"{"kind":"retired_kind"}"#],
        )
        .expect("insert succeeds");
    }
    let got = queue.receive(t0(), 10, mins(1)).await.expect("ok");
    assert_eq!(messages(&got), [message("good")]);
    let dead = queue.dead_letters().await.expect("ok");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].message, None);
    assert_eq!(dead[0].body, r#"{"kind":"retired_kind"}"#);
    assert!(dead[0]
        .last_error
        .as_deref()
        .is_some_and(|e| e.starts_with("undecodable message")));
}
