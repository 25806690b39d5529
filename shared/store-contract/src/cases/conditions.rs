//! Conditional puts and deletes: the condition is checked atomically with
//! the write, and a failure names the key and changes nothing.

use super::{at, item};
use crate::scope::Scope;
use myx_engine::{Condition, Item, Key, StoreError, TableStore};
use serde_json::json;

fn versioned(key: &Key, version: u64) -> Item {
    let mut item = Item::new(key.clone(), json!({ "version": version }));
    item.version = version;
    item
}

async fn read(store: &dyn TableStore, key: &Key) -> Option<Item> {
    store.get(key).await.expect("get succeeds")
}

fn assert_condition_failed(result: Result<(), StoreError>, key: &Key) {
    assert_eq!(result, Err(StoreError::ConditionFailed(key.clone())));
}

pub async fn put_not_exists_succeeds_once_then_fails_with_the_key(store: &dyn TableStore) {
    let scope = Scope::new("not-exists");
    let key = Key::new(scope.pk("P"), "CLAIM");
    store
        .put(versioned(&key, 1), Condition::NotExists)
        .await
        .expect("the first claim wins");
    assert_condition_failed(
        store.put(versioned(&key, 2), Condition::NotExists).await,
        &key,
    );
    assert_eq!(read(store, &key).await, Some(versioned(&key, 1)));
    // Same partition, another sort key: unaffected.
    let other = Key::new(scope.pk("P"), "CLAIM2");
    store
        .put(versioned(&other, 1), Condition::NotExists)
        .await
        .expect("another key is free");
}

pub async fn put_exists_requires_an_item(store: &dyn TableStore) {
    let scope = Scope::new("exists");
    let key = Key::new(scope.pk("P"), "META");
    assert_condition_failed(store.put(versioned(&key, 1), Condition::Exists).await, &key);
    assert_eq!(read(store, &key).await, None, "a failed put writes nothing");
    store
        .put(versioned(&key, 1), Condition::None)
        .await
        .expect("put succeeds");
    store
        .put(versioned(&key, 2), Condition::Exists)
        .await
        .expect("the item exists");
    assert_eq!(read(store, &key).await, Some(versioned(&key, 2)));
}

pub async fn put_version_is_requires_the_exact_version(store: &dyn TableStore) {
    let scope = Scope::new("version-is");
    let key = Key::new(scope.pk("P"), "META");
    assert_condition_failed(
        store.put(versioned(&key, 1), Condition::VersionIs(0)).await,
        &key,
    );
    store
        .put(versioned(&key, 5), Condition::None)
        .await
        .expect("put succeeds");
    for wrong in [4, 6, 0, u64::MAX] {
        assert_condition_failed(
            store
                .put(versioned(&key, 99), Condition::VersionIs(wrong))
                .await,
            &key,
        );
    }
    assert_eq!(read(store, &key).await, Some(versioned(&key, 5)));
    store
        .put(versioned(&key, 6), Condition::VersionIs(5))
        .await
        .expect("version 5 matches");
    assert_condition_failed(
        store.put(versioned(&key, 7), Condition::VersionIs(5)).await,
        &key,
    );
    assert_eq!(read(store, &key).await, Some(versioned(&key, 6)));
}

pub async fn put_not_exists_or_expired_admits_missing_and_expired_items(store: &dyn TableStore) {
    let scope = Scope::new("not-exists-or-expired");
    let pk = scope.pk("P");
    let now = at(1_800_000_000);

    let missing = Key::new(&pk, "MISSING");
    store
        .put(item(&pk, "MISSING"), Condition::NotExistsOrExpired(now))
        .await
        .expect("a missing item admits the put");
    assert!(read(store, &missing).await.is_some());

    let live = Key::new(&pk, "LIVE");
    let live_item = item(&pk, "LIVE").expiring_at(at(1_800_000_001));
    store
        .put(live_item.clone(), Condition::None)
        .await
        .expect("put succeeds");
    assert_condition_failed(
        store
            .put(item(&pk, "LIVE"), Condition::NotExistsOrExpired(now))
            .await,
        &live,
    );
    assert_eq!(read(store, &live).await, Some(live_item));

    let forever = Key::new(&pk, "FOREVER");
    store
        .put(item(&pk, "FOREVER"), Condition::None)
        .await
        .expect("put succeeds");
    assert_condition_failed(
        store
            .put(item(&pk, "FOREVER"), Condition::NotExistsOrExpired(now))
            .await,
        &forever,
    );

    for (sk, expires) in [("EXPIRED", at(1_799_999_000)), ("EXPIRING_NOW", now)] {
        store
            .put(item(&pk, sk).expiring_at(expires), Condition::None)
            .await
            .expect("put succeeds");
        let replacement = Item::new(Key::new(&pk, sk), json!({"replaced": true}));
        store
            .put(replacement.clone(), Condition::NotExistsOrExpired(now))
            .await
            .expect("an item expired at or before the instant admits the put");
        assert_eq!(read(store, &Key::new(&pk, sk)).await, Some(replacement));
    }
}

pub async fn delete_without_condition_removes_and_tolerates_missing(store: &dyn TableStore) {
    let scope = Scope::new("delete");
    let pk = scope.pk("P");
    for sk in ["A", "B"] {
        store
            .put(item(&pk, sk), Condition::None)
            .await
            .expect("put succeeds");
    }
    let a = Key::new(&pk, "A");
    store
        .delete(&a, Condition::None)
        .await
        .expect("delete succeeds");
    assert_eq!(read(store, &a).await, None);
    assert!(
        read(store, &Key::new(&pk, "B")).await.is_some(),
        "only the key is deleted"
    );
    store
        .delete(&a, Condition::None)
        .await
        .expect("deleting a missing item is fine");
}

pub async fn delete_with_conditions_checks_before_removing(store: &dyn TableStore) {
    let scope = Scope::new("delete-conditions");
    let key = Key::new(scope.pk("P"), "META");
    assert_condition_failed(store.delete(&key, Condition::Exists).await, &key);
    assert_condition_failed(store.delete(&key, Condition::VersionIs(1)).await, &key);

    store
        .put(versioned(&key, 3), Condition::None)
        .await
        .expect("put succeeds");
    assert_condition_failed(store.delete(&key, Condition::NotExists).await, &key);
    assert_condition_failed(store.delete(&key, Condition::VersionIs(2)).await, &key);
    assert_condition_failed(
        store
            .delete(&key, Condition::NotExistsOrExpired(at(1_800_000_000)))
            .await,
        &key,
    );
    assert_eq!(read(store, &key).await, Some(versioned(&key, 3)));
    store
        .delete(&key, Condition::VersionIs(3))
        .await
        .expect("version 3 matches");
    assert_eq!(read(store, &key).await, None);

    store
        .put(versioned(&key, 1), Condition::None)
        .await
        .expect("put succeeds");
    store
        .delete(&key, Condition::Exists)
        .await
        .expect("the item exists");
    assert_eq!(read(store, &key).await, None);
}
