//! Conditions under contention: many writers at once, no lost updates.

use crate::join::join_all;
use crate::scope::Scope;
use myx_engine::{Condition, Item, Key, StoreError, TableStore};
use serde_json::json;

const WRITERS: usize = 32;

pub async fn concurrent_conditional_puts_have_one_winner(store: &dyn TableStore) {
    let scope = Scope::new("concurrent-claim");
    let key = Key::new(scope.pk("ENR"), "STEP#welcome#email");
    let attempts = (0..WRITERS).map(|writer| {
        let claim = Item::new(key.clone(), json!({ "writer": writer }));
        store.put(claim, Condition::NotExists)
    });
    let results = join_all(attempts.collect()).await;
    let winners: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_ok())
        .map(|(writer, _)| writer)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one claim wins: {results:?}");
    for result in &results {
        if let Err(error) = result {
            assert_eq!(error, &StoreError::ConditionFailed(key.clone()));
        }
    }
    let stored = store
        .get(&key)
        .await
        .expect("get succeeds")
        .expect("the claim is stored");
    assert_eq!(
        stored.data["writer"],
        json!(winners[0]),
        "the winner's write stands"
    );
}

/// Optimistic concurrency: each writer reads, then writes version + 1 on
/// condition `VersionIs(read version)`, retrying on conflict. No increment
/// may be lost.
pub async fn concurrent_versioned_updates_lose_nothing(store: &dyn TableStore) {
    let scope = Scope::new("concurrent-versions");
    let key = Key::new(scope.pk("COUNTER"), "META");
    let mut counter = Item::new(key.clone(), json!({ "count": 0 }));
    counter.version = 0;
    store
        .put(counter, Condition::NotExists)
        .await
        .expect("put succeeds");
    let writers = (0..WRITERS).map(|_| {
        let key = key.clone();
        async move {
            for _ in 0..10_000 {
                let current = store
                    .get(&key)
                    .await
                    .expect("get succeeds")
                    .expect("the counter exists");
                let count = current.data["count"].as_u64().expect("a count");
                let mut next = Item::new(key.clone(), json!({ "count": count + 1 }));
                next.version = current.version + 1;
                match store.put(next, Condition::VersionIs(current.version)).await {
                    Ok(()) => return,
                    Err(StoreError::ConditionFailed(_)) => continue,
                    Err(other) => panic!("unexpected error: {other}"),
                }
            }
            panic!("a writer never got through");
        }
    });
    join_all(writers.collect()).await;
    let last = store
        .get(&key)
        .await
        .expect("get succeeds")
        .expect("the counter exists");
    assert_eq!(last.data["count"], json!(WRITERS));
    assert_eq!(last.version, WRITERS as u64);
}
