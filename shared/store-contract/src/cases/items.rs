//! Single items: what goes in comes out, whatever it holds.

use super::{at, item};
use crate::scope::Scope;
use myx_engine::{Condition, Item, Key, QueryOptions, StoreError, TableStore};
use serde_json::json;

pub async fn get_many_answers_each_key_in_the_order_asked(store: &dyn TableStore) {
    let scope = Scope::new("get-many");
    let pk = scope.pk("P");
    let a = item(&pk, "A");
    let b = item(&pk, "B").expiring_at(at(1_900_000_000));
    for i in [&a, &b] {
        store
            .put(i.clone(), Condition::None)
            .await
            .expect("put succeeds");
    }
    let missing = Key::new(&pk, "MISSING");
    let read = store
        .get_many(&[b.key.clone(), missing.clone(), a.key.clone(), b.key.clone()])
        .await
        .expect("get_many succeeds");
    assert_eq!(
        read,
        vec![Some(b.clone()), None, Some(a.clone()), Some(b.clone())]
    );
    // Eventually consistent reads answer alike (the emulator and SQLite are
    // never stale; real DynamoDB may be for about a second after a write).
    let eventually = store
        .get_many_eventually(&[b.key.clone(), missing.clone(), a.key.clone()])
        .await
        .expect("get_many_eventually succeeds");
    assert_eq!(eventually, vec![Some(b.clone()), None, Some(a)]);
    assert_eq!(store.get_many(&[]).await.expect("nothing asked"), vec![]);
    assert_eq!(
        store.get_many_eventually(&[]).await.expect("nothing asked"),
        vec![]
    );
    let bad = Key::new("", "A");
    assert!(
        matches!(
            store.get_many(&[missing.clone(), bad.clone()]).await,
            Err(StoreError::Invalid(_))
        ),
        "an empty partition key is invalid, as for get"
    );
    assert!(
        matches!(
            store.get_many_eventually(&[missing, bad]).await,
            Err(StoreError::Invalid(_))
        ),
        "an empty partition key is invalid, as for get"
    );
}

pub async fn put_get_round_trips_every_field(store: &dyn TableStore) {
    let scope = Scope::new("round-trip");
    let key = Key::new(scope.pk("P"), "META");
    let stored = Item {
        key: key.clone(),
        gsi1: Some(Key::new(scope.pk("G"), "2026-01-01#x")),
        expires_at: Some(at(1_900_000_000)),
        version: u64::MAX,
        data: json!({
            "name": "Ada Lövelace",
            "count": 42,
            "negative": -7,
            "ratio": 1.5,
            "flag": true,
            "nothing": null,
            "empty": "",
            "list": [1, "two", {"three": [3]}],
            "nested": {"deeper": {"deepest": ["a", {"b": false}]}},
        }),
    };
    store
        .put(stored.clone(), Condition::None)
        .await
        .expect("put succeeds");
    let read = store.get(&key).await.expect("get succeeds");
    assert_eq!(read, Some(stored));

    let plain = item(&scope.pk("P"), "PLAIN");
    store
        .put(plain.clone(), Condition::None)
        .await
        .expect("put succeeds");
    let read = store.get(&plain.key).await.expect("get succeeds");
    assert_eq!(read, Some(plain), "no gsi1, no expiry, version 1");
}

pub async fn get_of_a_missing_key_is_none(store: &dyn TableStore) {
    let scope = Scope::new("get-missing");
    let pk = scope.pk("P");
    store
        .put(item(&pk, "A"), Condition::None)
        .await
        .expect("put succeeds");
    for key in [
        Key::new(&pk, "B"),
        Key::new(&pk, "a"),
        Key::new(scope.pk("Q"), "A"),
    ] {
        assert_eq!(
            store.get(&key).await.expect("get succeeds"),
            None,
            "{key:?}"
        );
    }
}

pub async fn put_without_condition_overwrites(store: &dyn TableStore) {
    let scope = Scope::new("overwrite");
    let key = Key::new(scope.pk("P"), "META");
    let first = Item::new(key.clone(), json!({"v": 1, "only_in_first": true}))
        .with_gsi1(Key::new(scope.pk("G"), "1"))
        .expiring_at(at(2_000_000_000));
    store
        .put(first, Condition::None)
        .await
        .expect("put succeeds");
    let mut second = Item::new(key.clone(), json!({"v": 2}));
    second.version = 2;
    store
        .put(second.clone(), Condition::None)
        .await
        .expect("put succeeds");
    assert_eq!(
        store.get(&key).await.expect("get succeeds"),
        Some(second),
        "a put replaces the whole item, including gsi1 and expiry"
    );
}

pub async fn special_characters_survive_in_keys_and_data(store: &dyn TableStore) {
    let scope = Scope::new("special");
    let pk = scope.pk("ü'\"%_\\#😀");
    let sort_keys = [
        "100%",
        "50%_off",
        "a_b",
        "a'b\"c",
        "back\\slash",
        "hash#tag#",
        "naïve",
        "日本語",
        "emoji😀",
        "tab\there",
        "line\nbreak",
    ];
    for sk in sort_keys {
        let data = json!({
            "sk": sk,
            "text": format!("{sk} — ' \" % _ # \\ 😀 \u{0} end"),
        });
        store
            .put(Item::new(Key::new(&pk, sk), data), Condition::NotExists)
            .await
            .expect("put succeeds");
    }
    for sk in sort_keys {
        let read = store
            .get(&Key::new(&pk, sk))
            .await
            .expect("get succeeds")
            .unwrap_or_else(|| panic!("{sk:?} was stored"));
        assert_eq!(read.key.sk, sk);
        assert_eq!(
            read.data["text"],
            json!(format!("{sk} — ' \" % _ # \\ 😀 \u{0} end"))
        );
    }
    let page = store
        .query(&pk, &QueryOptions::prefix("").limit(100))
        .await
        .expect("query succeeds");
    let mut expected: Vec<String> = sort_keys.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(crate::pages::sort_keys(&page.items), expected);
}

pub async fn empty_or_oversized_keys_are_invalid(store: &dyn TableStore) {
    let scope = Scope::new("bad-keys");
    let pk = scope.pk("P");
    let bad_keys = [
        Key::new("", "META"),
        Key::new(&pk, ""),
        Key::new(&pk, "s".repeat(1025)),
        Key::new("p".repeat(2049), "META"),
    ];
    for key in bad_keys {
        let result = store
            .put(Item::new(key.clone(), json!({})), Condition::None)
            .await;
        assert!(
            matches!(result, Err(StoreError::Invalid(_))),
            "put {key:?}: {result:?}"
        );
    }
    let empty_gsi = item(&pk, "A").with_gsi1(Key::new(scope.pk("G"), ""));
    let result = store.put(empty_gsi, Condition::None).await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    let result = store.query("", &QueryOptions::prefix("")).await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");

    let mut longest_pk = pk.clone();
    while longest_pk.len() < 2048 {
        longest_pk.push('p');
    }
    let longest = Key::new(longest_pk, "s".repeat(1024));
    store
        .put(Item::new(longest.clone(), json!({})), Condition::None)
        .await
        .expect("keys at the size limits are valid");
    assert!(store.get(&longest).await.expect("get succeeds").is_some());
}

pub async fn data_must_be_a_json_object(store: &dyn TableStore) {
    let scope = Scope::new("data-object");
    let key = Key::new(scope.pk("P"), "META");
    for data in [json!([1, 2]), json!("text"), json!(3), json!(null)] {
        let result = store
            .put(Item::new(key.clone(), data.clone()), Condition::None)
            .await;
        assert!(
            matches!(result, Err(StoreError::Invalid(_))),
            "{data}: {result:?}"
        );
    }
    assert_eq!(store.get(&key).await.expect("get succeeds"), None);
}
