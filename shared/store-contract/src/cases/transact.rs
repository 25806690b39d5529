//! Transactions: every operation or none, the failing operation named by
//! index, and DynamoDB's limits (100 operations, each key once).

use super::{at, item};
use crate::scope::Scope;
use myx_engine::{
    store::MAX_TRANSACTION_OPS, Condition, Item, Key, QueryOptions, StoreError, TableStore, WriteOp,
};
use serde_json::json;

fn put(item: Item, condition: Condition) -> WriteOp {
    WriteOp::Put { item, condition }
}

async fn read(store: &dyn TableStore, key: &Key) -> Option<Item> {
    store.get(key).await.expect("get succeeds")
}

async fn count(store: &dyn TableStore, pk: &str) -> usize {
    store
        .query(pk, &QueryOptions::prefix("").limit(1000))
        .await
        .expect("query succeeds")
        .items
        .len()
}

pub async fn transact_applies_every_op(store: &dyn TableStore) {
    let scope = Scope::new("transact-all");
    let pk = scope.pk("ENR");
    let other = scope.pk("CONTACT");
    store
        .put(item(&pk, "OLD"), Condition::None)
        .await
        .expect("put succeeds");
    let indexed = item(&other, "PROFILE").with_gsi1(Key::new(scope.pk("G"), "x"));
    store
        .transact(vec![
            put(item(&pk, "META"), Condition::NotExists),
            put(indexed.clone(), Condition::None),
            put(item(&pk, "STEP#a"), Condition::NotExistsOrExpired(at(1))),
            WriteOp::Delete {
                key: Key::new(&pk, "OLD"),
                condition: Condition::Exists,
            },
        ])
        .await
        .expect("transaction succeeds");
    assert_eq!(
        read(store, &Key::new(&pk, "META")).await,
        Some(item(&pk, "META"))
    );
    assert_eq!(read(store, &indexed.key).await, Some(indexed));
    assert!(read(store, &Key::new(&pk, "STEP#a")).await.is_some());
    assert_eq!(read(store, &Key::new(&pk, "OLD")).await, None);
    let page = store
        .query_gsi1(&scope.pk("G"), &QueryOptions::prefix(""))
        .await
        .expect("query_gsi1 succeeds");
    assert_eq!(page.items.len(), 1, "transactional puts are indexed");
}

pub async fn transact_is_all_or_nothing(store: &dyn TableStore) {
    let scope = Scope::new("transact-atomic");
    let pk = scope.pk("P");
    let doomed = Key::new(&pk, "TAKEN");
    store
        .put(item(&pk, "TAKEN"), Condition::None)
        .await
        .expect("put succeeds");
    store
        .put(item(&pk, "VICTIM"), Condition::None)
        .await
        .expect("put succeeds");
    let result = store
        .transact(vec![
            put(item(&pk, "NEW0"), Condition::None),
            WriteOp::Delete {
                key: Key::new(&pk, "VICTIM"),
                condition: Condition::None,
            },
            put(item(&pk, "TAKEN"), Condition::NotExists),
            put(item(&pk, "NEW3"), Condition::NotExists),
        ])
        .await;
    assert_eq!(
        result,
        Err(StoreError::TransactionCancelled {
            index: 2,
            key: doomed
        })
    );
    assert_eq!(read(store, &Key::new(&pk, "NEW0")).await, None);
    assert!(read(store, &Key::new(&pk, "VICTIM")).await.is_some());
    assert_eq!(read(store, &Key::new(&pk, "NEW3")).await, None);
    assert_eq!(count(store, &pk).await, 2);

    // The first failing operation is the one named.
    let result = store
        .transact(vec![
            put(item(&pk, "NEW0"), Condition::Exists),
            put(item(&pk, "TAKEN"), Condition::NotExists),
        ])
        .await;
    assert_eq!(
        result,
        Err(StoreError::TransactionCancelled {
            index: 0,
            key: Key::new(&pk, "NEW0")
        })
    );
}

pub async fn transact_check_guards_without_writing(store: &dyn TableStore) {
    let scope = Scope::new("transact-check");
    let pk = scope.pk("P");
    let mut event = Item::new(Key::new(&pk, "META"), json!({"status": "live"}));
    event.version = 4;
    store
        .put(event.clone(), Condition::None)
        .await
        .expect("put succeeds");
    store
        .transact(vec![
            WriteOp::Check {
                key: event.key.clone(),
                condition: Condition::VersionIs(4),
            },
            put(item(&pk, "REG#1"), Condition::NotExists),
        ])
        .await
        .expect("the check passes");
    assert_eq!(
        read(store, &event.key).await,
        Some(event.clone()),
        "a check writes nothing"
    );
    assert!(read(store, &Key::new(&pk, "REG#1")).await.is_some());

    let result = store
        .transact(vec![
            put(item(&pk, "REG#2"), Condition::NotExists),
            WriteOp::Check {
                key: event.key.clone(),
                condition: Condition::VersionIs(3),
            },
        ])
        .await;
    assert_eq!(
        result,
        Err(StoreError::TransactionCancelled {
            index: 1,
            key: event.key.clone()
        })
    );
    assert_eq!(read(store, &Key::new(&pk, "REG#2")).await, None);

    let missing = Key::new(&pk, "MISSING");
    let result = store
        .transact(vec![
            WriteOp::Check {
                key: missing.clone(),
                condition: Condition::Exists,
            },
            put(item(&pk, "REG#3"), Condition::None),
        ])
        .await;
    assert_eq!(
        result,
        Err(StoreError::TransactionCancelled {
            index: 0,
            key: missing.clone()
        })
    );
    store
        .transact(vec![
            WriteOp::Check {
                key: missing.clone(),
                condition: Condition::NotExists,
            },
            put(item(&pk, "REG#3"), Condition::None),
        ])
        .await
        .expect("the check passes");
    assert_eq!(read(store, &missing).await, None, "a check creates nothing");
}

pub async fn transact_check_without_condition_is_invalid(store: &dyn TableStore) {
    let scope = Scope::new("transact-check-none");
    let pk = scope.pk("P");
    let result = store
        .transact(vec![
            put(item(&pk, "A"), Condition::None),
            WriteOp::Check {
                key: Key::new(&pk, "B"),
                condition: Condition::None,
            },
        ])
        .await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    assert_eq!(read(store, &Key::new(&pk, "A")).await, None);
}

pub async fn transact_deletes(store: &dyn TableStore) {
    let scope = Scope::new("transact-delete");
    let pk = scope.pk("P");
    let mut versioned = item(&pk, "V");
    versioned.version = 2;
    store
        .put(versioned, Condition::None)
        .await
        .expect("put succeeds");
    store
        .put(
            item(&pk, "G").with_gsi1(Key::new(scope.pk("G"), "g")),
            Condition::None,
        )
        .await
        .expect("put succeeds");
    let result = store
        .transact(vec![
            WriteOp::Delete {
                key: Key::new(&pk, "G"),
                condition: Condition::None,
            },
            WriteOp::Delete {
                key: Key::new(&pk, "V"),
                condition: Condition::VersionIs(1),
            },
        ])
        .await;
    assert_eq!(
        result,
        Err(StoreError::TransactionCancelled {
            index: 1,
            key: Key::new(&pk, "V")
        })
    );
    assert_eq!(count(store, &pk).await, 2);
    store
        .transact(vec![
            WriteOp::Delete {
                key: Key::new(&pk, "G"),
                condition: Condition::None,
            },
            WriteOp::Delete {
                key: Key::new(&pk, "V"),
                condition: Condition::VersionIs(2),
            },
            WriteOp::Delete {
                key: Key::new(&pk, "NEVER"),
                condition: Condition::None,
            },
        ])
        .await
        .expect("transaction succeeds");
    assert_eq!(count(store, &pk).await, 0);
    let page = store
        .query_gsi1(&scope.pk("G"), &QueryOptions::prefix(""))
        .await
        .expect("query_gsi1 succeeds");
    assert!(page.items.is_empty(), "deleted items leave the index");
}

pub async fn transact_allows_100_ops_and_rejects_more(store: &dyn TableStore) {
    let scope = Scope::new("transact-limit");
    let pk = scope.pk("P");
    let ops = |n: usize, prefix: &str| -> Vec<WriteOp> {
        (0..n)
            .map(|i| put(item(&pk, &format!("{prefix}{i:03}")), Condition::NotExists))
            .collect()
    };
    let result = store.transact(ops(MAX_TRANSACTION_OPS + 1, "OVER#")).await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    assert_eq!(
        count(store, &pk).await,
        0,
        "a rejected transaction writes nothing"
    );
    store
        .transact(ops(MAX_TRANSACTION_OPS, "MAX#"))
        .await
        .expect("100 operations are allowed");
    assert_eq!(count(store, &pk).await, MAX_TRANSACTION_OPS);
}

pub async fn transact_rejects_a_key_used_twice(store: &dyn TableStore) {
    let scope = Scope::new("transact-duplicate");
    let pk = scope.pk("P");
    let twice = [
        vec![
            put(item(&pk, "A"), Condition::None),
            put(item(&pk, "B"), Condition::None),
            put(item(&pk, "A"), Condition::None),
        ],
        vec![
            put(item(&pk, "A"), Condition::None),
            WriteOp::Delete {
                key: Key::new(&pk, "A"),
                condition: Condition::None,
            },
        ],
        vec![
            WriteOp::Check {
                key: Key::new(&pk, "A"),
                condition: Condition::NotExists,
            },
            put(item(&pk, "A"), Condition::None),
        ],
    ];
    for ops in twice {
        let result = store.transact(ops).await;
        assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    }
    assert_eq!(count(store, &pk).await, 0);
    // Same sort key in another partition is another key.
    store
        .transact(vec![
            put(item(&pk, "A"), Condition::None),
            put(item(&scope.pk("Q"), "A"), Condition::None),
        ])
        .await
        .expect("distinct keys");
}

pub async fn transact_of_nothing_is_a_no_op(store: &dyn TableStore) {
    store
        .transact(Vec::new())
        .await
        .expect("an empty transaction succeeds");
}

/// A transaction of one write answers as any transaction: a failed
/// condition is `TransactionCancelled` at index 0 (a store may send it as
/// the plain write).
pub async fn transact_of_one_write_reports_its_condition_as_a_transaction(store: &dyn TableStore) {
    let scope = Scope::new("transact-one");
    let pk = scope.pk("ENR");
    let taken = item(&pk, "TAKEN");
    store
        .transact(vec![put(taken.clone(), Condition::NotExists)])
        .await
        .expect("a one-write transaction applies");
    assert_eq!(read(store, &taken.key).await, Some(taken.clone()));
    let again = store
        .transact(vec![put(item(&pk, "TAKEN"), Condition::NotExists)])
        .await;
    assert_eq!(
        again,
        Err(StoreError::TransactionCancelled {
            index: 0,
            key: taken.key.clone()
        })
    );
    let delete_missing = store
        .transact(vec![WriteOp::Delete {
            key: Key::new(&pk, "MISSING"),
            condition: Condition::Exists,
        }])
        .await;
    assert_eq!(
        delete_missing,
        Err(StoreError::TransactionCancelled {
            index: 0,
            key: Key::new(&pk, "MISSING")
        })
    );
}

/// `write_each`: every write applied, each with its own condition; a failed
/// condition is reported with its key (whether the others were applied is
/// the store's choice, so it is not checked).
pub async fn write_each_applies_each_write_and_names_a_failed_condition(store: &dyn TableStore) {
    let scope = Scope::new("write-each");
    let pk = scope.pk("ENR");
    let old = item(&pk, "OLD");
    store
        .put(old.clone(), Condition::None)
        .await
        .expect("put succeeds");
    let (a, b) = (item(&pk, "A"), item(&pk, "B"));
    store
        .write_each(vec![
            put(a.clone(), Condition::NotExists),
            put(b.clone(), Condition::None),
            WriteOp::Delete {
                key: old.key.clone(),
                condition: Condition::Exists,
            },
        ])
        .await
        .expect("write_each applies");
    assert_eq!(read(store, &a.key).await, Some(a.clone()));
    assert_eq!(read(store, &b.key).await, Some(b));
    assert_eq!(read(store, &old.key).await, None);
    let failed = store
        .write_each(vec![
            put(item(&pk, "C"), Condition::None),
            put(item(&pk, "A"), Condition::NotExists),
        ])
        .await;
    assert_eq!(failed, Err(StoreError::ConditionFailed(a.key.clone())));
    assert_eq!(store.write_each(vec![]).await, Ok(()));
}

/// `write_in_order`: every phase applied; a phase whose write fails its
/// condition is reported with that key, and no later phase is applied
/// (whether earlier ones were is the store's choice: SQLite commits all
/// phases together).
pub async fn write_in_order_applies_phases_and_stops_at_a_failed_one(store: &dyn TableStore) {
    let scope = Scope::new("write-in-order");
    let pk = scope.pk("ENR");
    let (a, b, c) = (item(&pk, "A"), item(&pk, "B"), item(&pk, "C"));
    store
        .write_in_order(vec![
            vec![put(a.clone(), Condition::NotExists)],
            vec![],
            vec![
                put(b.clone(), Condition::NotExists),
                put(c.clone(), Condition::None),
            ],
        ])
        .await
        .expect("write_in_order applies");
    for written in [&a, &b, &c] {
        assert_eq!(read(store, &written.key).await.as_ref(), Some(written));
    }
    let (d, e) = (item(&pk, "D"), item(&pk, "E"));
    let failed = store
        .write_in_order(vec![
            vec![put(d.clone(), Condition::None)],
            vec![put(item(&pk, "B"), Condition::NotExists)],
            vec![put(e.clone(), Condition::None)],
        ])
        .await;
    assert_eq!(failed, Err(StoreError::ConditionFailed(b.key.clone())));
    assert_eq!(
        read(store, &e.key).await,
        None,
        "no phase after the failed one"
    );
    assert_eq!(store.write_in_order(vec![]).await, Ok(()));
}
