//! The global secondary index: ordered by GSI1 sort key, paginated without
//! skips even when sort keys repeat, and always reflecting the latest write.

use super::item;
use crate::pages::{collect_all, Index};
use crate::scope::Scope;
use myx_engine::{Condition, Item, Key, QueryOptions, TableStore};

/// (pk, sk) of each item, in the order returned.
fn table_keys(items: &[Item]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|i| (i.key.pk.clone(), i.key.sk.clone()))
        .collect()
}

async fn gsi1_keys(store: &dyn TableStore, gsi1_pk: &str, options: QueryOptions) -> Vec<String> {
    let page = store
        .query_gsi1(gsi1_pk, &options)
        .await
        .expect("query_gsi1 succeeds");
    page.items
        .iter()
        .map(|i| {
            i.gsi1
                .as_ref()
                .expect("indexed items carry gsi1")
                .sk
                .clone()
        })
        .collect()
}

pub async fn query_gsi1_orders_by_index_sort_key(store: &dyn TableStore) {
    let scope = Scope::new("gsi1-order");
    let index = scope.pk("G");
    let entries = [
        ("P3", "2026-03"),
        ("P1", "2026-01"),
        ("P2", "2026-02"),
        ("P0", "2025-12"),
    ];
    for (pk, gsi1_sk) in entries {
        let indexed = item(&scope.pk(pk), "META").with_gsi1(Key::new(&index, gsi1_sk));
        store
            .put(indexed, Condition::None)
            .await
            .expect("put succeeds");
    }
    store
        .put(
            item(&scope.pk("P9"), "META").with_gsi1(Key::new(scope.pk("OTHER"), "2026-01")),
            Condition::None,
        )
        .await
        .expect("put succeeds");
    store
        .put(item(&scope.pk("P8"), "META"), Condition::None)
        .await
        .expect("put succeeds");

    let keys = gsi1_keys(store, &index, QueryOptions::prefix("")).await;
    assert_eq!(keys, ["2025-12", "2026-01", "2026-02", "2026-03"]);
    let keys = gsi1_keys(store, &index, QueryOptions::prefix("2026-").descending()).await;
    assert_eq!(keys, ["2026-03", "2026-02", "2026-01"]);
    let page = store
        .query_gsi1(&index, &QueryOptions::prefix("2026-01"))
        .await
        .expect("query_gsi1 succeeds");
    assert_eq!(
        table_keys(&page.items),
        [(scope.pk("P1"), "META".to_string())]
    );
    assert_eq!(page.items[0].data["sk"], "META", "items come back whole");
    let keys = gsi1_keys(store, &scope.pk("NOTHING"), QueryOptions::prefix("")).await;
    assert!(keys.is_empty());
}

pub async fn query_gsi1_paginates_through_duplicate_sort_keys(store: &dyn TableStore) {
    let scope = Scope::new("gsi1-pages");
    let index = scope.pk("G");
    // Three GSI1 sort keys, each shared by several items (as "MSG" is by
    // every message found through its provider id).
    let mut expected = Vec::new();
    for (n, gsi1_sk) in ["A", "B", "C"].iter().enumerate() {
        for i in 0..(n + 3) {
            let pk = scope.pk(&format!("P{i}"));
            let sk = format!("S{gsi1_sk}{i}");
            let indexed = item(&pk, &sk).with_gsi1(Key::new(&index, *gsi1_sk));
            store
                .put(indexed, Condition::None)
                .await
                .expect("put succeeds");
            expected.push((pk, sk));
        }
    }
    expected.sort();
    for limit in [1, 2, 3, 4, 5, 11, 12, 13] {
        for descending in [false, true] {
            let mut options = QueryOptions::prefix("").limit(limit);
            if descending {
                options = options.descending();
            }
            let items = collect_all(store, Index::Gsi1, &index, &options).await;
            let mut seen = table_keys(&items);
            let gsi1_order: Vec<String> = items
                .iter()
                .map(|i| i.gsi1.as_ref().expect("indexed").sk.clone())
                .collect();
            let mut sorted = gsi1_order.clone();
            sorted.sort();
            if descending {
                sorted.reverse();
            }
            assert_eq!(gsi1_order, sorted, "limit {limit}, descending {descending}");
            seen.sort();
            assert_eq!(
                seen, expected,
                "every item exactly once, limit {limit}, descending {descending}"
            );
        }
    }
}

pub async fn query_gsi1_follows_overwrites_and_deletes(store: &dyn TableStore) {
    let scope = Scope::new("gsi1-overwrite");
    let index = scope.pk("G");
    let moved_index = scope.pk("G2");
    let pk = scope.pk("P");
    for sk in ["KEEP", "UNINDEX", "MOVE", "DELETE"] {
        store
            .put(
                item(&pk, sk).with_gsi1(Key::new(&index, sk)),
                Condition::None,
            )
            .await
            .expect("put succeeds");
    }
    store
        .put(item(&pk, "UNINDEX"), Condition::None)
        .await
        .expect("put succeeds");
    store
        .put(
            item(&pk, "MOVE").with_gsi1(Key::new(&moved_index, "MOVED")),
            Condition::Exists,
        )
        .await
        .expect("put succeeds");
    store
        .delete(&Key::new(&pk, "DELETE"), Condition::None)
        .await
        .expect("delete succeeds");
    store
        .put(
            item(&pk, "KEEP").with_gsi1(Key::new(&index, "KEPT")),
            Condition::None,
        )
        .await
        .expect("put succeeds");

    assert_eq!(
        gsi1_keys(store, &index, QueryOptions::prefix("")).await,
        ["KEPT"]
    );
    assert_eq!(
        gsi1_keys(store, &moved_index, QueryOptions::prefix("")).await,
        ["MOVED"]
    );
    let page = store
        .query(&pk, &QueryOptions::prefix(""))
        .await
        .expect("query succeeds");
    assert_eq!(
        page.items.len(),
        3,
        "the table itself keeps the unindexed item"
    );
}
