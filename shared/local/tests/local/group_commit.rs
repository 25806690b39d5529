//! Concurrent writes share commits yet stay independent: one write's
//! failure undoes only that write, whichever adapter made the others.

use crate::common::{message, mins, t0};
use myx_engine::{
    Condition, Item, Key, ManualClock, QueryOptions, StoreError, TableStore, TimerSpec, Timers,
    WorkQueue, WriteOp,
};
use myx_local::LocalDb;
use serde_json::json;
use std::sync::Arc;

const WRITERS: usize = 64;

fn put(pk: &str, sk: &str, condition: Condition) -> WriteOp {
    WriteOp::Put {
        item: Item::new(Key::new(pk, sk), json!({})),
        condition,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_transaction_undoes_only_itself() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Arc::new(LocalDb::open(dir.path().join("db")).expect("opens").store());
    let tasks: Vec<_> = (0..WRITERS)
        .map(|n| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let pk = format!("P#{n}");
                // Odd writers fail on their third operation.
                let last = if n % 2 == 0 {
                    Condition::NotExists
                } else {
                    Condition::Exists
                };
                let ops = vec![
                    put(&pk, "A", Condition::None),
                    put(&pk, "B", Condition::NotExists),
                    put(&pk, "C", last),
                ];
                store.transact(ops).await
            })
        })
        .collect();
    for (n, task) in tasks.into_iter().enumerate() {
        let result = task.await.expect("the task completes");
        let pk = format!("P#{n}");
        if n % 2 == 0 {
            assert_eq!(result, Ok(()), "writer {n}");
        } else {
            assert_eq!(
                result,
                Err(StoreError::TransactionCancelled {
                    index: 2,
                    key: Key::new(&pk, "C")
                }),
                "writer {n}"
            );
        }
        let page = store
            .query(&pk, &QueryOptions::prefix(""))
            .await
            .expect("query succeeds");
        let expected = if n % 2 == 0 { 3 } else { 0 };
        assert_eq!(page.items.len(), expected, "writer {n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_queue_and_timer_writes_interleave_without_loss() {
    let db = LocalDb::open_in_memory().expect("opens");
    let store = Arc::new(db.store());
    let queue = Arc::new(db.queue(Arc::new(ManualClock::new(t0()))));
    let timers = Arc::new(db.timers());
    let mut tasks = Vec::new();
    for n in 0..WRITERS {
        let (store, queue, timers) = (store.clone(), queue.clone(), timers.clone());
        tasks.push(tokio::spawn(async move {
            let contact = format!("c{n}");
            store
                .put(
                    Item::new(Key::new("P", &contact), json!({})),
                    Condition::NotExists,
                )
                .await
                .expect("put succeeds");
            queue
                .enqueue(vec![message(&contact)], 0)
                .await
                .expect("enqueue succeeds");
            timers
                .schedule(TimerSpec {
                    name: format!("timer-{n}"),
                    due_at: t0() + mins(1),
                    message: message(&contact),
                })
                .await
                .expect("schedule succeeds");
        }));
    }
    for task in tasks {
        task.await.expect("the task completes");
    }
    let items = store
        .query("P", &QueryOptions::prefix("").limit(1000))
        .await
        .expect("query succeeds");
    assert_eq!(items.items.len(), WRITERS);
    assert_eq!(timers.pending().await.expect("ok").len(), WRITERS);
    assert_eq!(timers.fire_due(t0() + mins(1)).await.expect("ok"), WRITERS);
    let delivered = queue
        .receive(t0() + mins(1), 1000, mins(1))
        .await
        .expect("receive succeeds");
    assert_eq!(delivered.len(), 2 * WRITERS);
}
