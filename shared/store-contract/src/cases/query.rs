//! Partition queries: sort-key order, prefixes that mean exactly "begins
//! with", and cursors that neither skip nor repeat.

use super::item;
use crate::pages::{collect_all, sort_keys, Index};
use crate::scope::Scope;
use myx_engine::{Condition, QueryOptions, StoreError, TableStore};

async fn put_all(store: &dyn TableStore, pk: &str, sort_keys: &[&str]) {
    for sk in sort_keys {
        store
            .put(item(pk, sk), Condition::None)
            .await
            .expect("put succeeds");
    }
}

async fn query_keys(store: &dyn TableStore, pk: &str, options: QueryOptions) -> Vec<String> {
    let page = store.query(pk, &options).await.expect("query succeeds");
    sort_keys(&page.items)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

pub async fn query_returns_one_partition_in_sort_key_order(store: &dyn TableStore) {
    let scope = Scope::new("query-order");
    let pk = scope.pk("P");
    // Inserted out of order; byte order puts uppercase before lowercase.
    put_all(store, &pk, &["b", "A", "a", "B#2", "B#10", "META", "B#1"]).await;
    put_all(store, &scope.pk("P2"), &["A", "Z"]).await;
    put_all(store, &format!("{pk}#"), &["C"]).await;
    let keys = query_keys(store, &pk, QueryOptions::prefix("")).await;
    assert_eq!(
        keys,
        strings(&["A", "B#1", "B#10", "B#2", "META", "a", "b"])
    );
    let page = store
        .query(&pk, &QueryOptions::prefix(""))
        .await
        .expect("query succeeds");
    assert!(page.items.iter().all(|i| i.key.pk == pk));
    assert_eq!(page.items[0].data["sk"], "A", "items come back whole");
}

pub async fn query_descending_reverses_the_order(store: &dyn TableStore) {
    let scope = Scope::new("query-descending");
    let pk = scope.pk("P");
    put_all(
        store,
        &pk,
        &["MSG#1", "MSG#3", "MSG#2", "MSH", "MSF", "MSG"],
    )
    .await;
    let keys = query_keys(store, &pk, QueryOptions::prefix("MSG#").descending()).await;
    assert_eq!(keys, strings(&["MSG#3", "MSG#2", "MSG#1"]));
    let keys = query_keys(store, &pk, QueryOptions::prefix("").descending().limit(2)).await;
    assert_eq!(keys, strings(&["MSH", "MSG#3"]));
}

pub async fn query_prefix_excludes_neighbouring_keys(store: &dyn TableStore) {
    let scope = Scope::new("query-prefix");
    let pk = scope.pk("P");
    put_all(
        store,
        &pk,
        &[
            "REG", "REG#", "REG#a", "REG#b", "REG$", "REGX", "REF#z", "reg#a", "RE",
        ],
    )
    .await;
    let keys = query_keys(store, &pk, QueryOptions::prefix("REG#")).await;
    assert_eq!(keys, strings(&["REG#", "REG#a", "REG#b"]));
    let keys = query_keys(store, &pk, QueryOptions::prefix("REG#").descending()).await;
    assert_eq!(keys, strings(&["REG#b", "REG#a", "REG#"]));
    let keys = query_keys(store, &pk, QueryOptions::prefix("REG")).await;
    assert_eq!(
        keys,
        strings(&["REG", "REG#", "REG#a", "REG#b", "REG$", "REGX"])
    );
    let keys = query_keys(store, &pk, QueryOptions::prefix("REGZ")).await;
    assert!(keys.is_empty(), "{keys:?}");
}

pub async fn query_prefix_treats_like_wildcards_literally(store: &dyn TableStore) {
    let scope = Scope::new("query-wildcards");
    let pk = scope.pk("P");
    put_all(
        store,
        &pk,
        &["A%x", "A%", "AB", "A_x", "Ax", "A\\x", "A\\", "A%%", "a%x"],
    )
    .await;
    let cases: [(&str, &[&str]); 5] = [
        ("A%", &["A%", "A%%", "A%x"]),
        ("A_", &["A_x"]),
        ("A\\", &["A\\", "A\\x"]),
        ("A%%", &["A%%"]),
        ("a", &["a%x"]),
    ];
    for (prefix, expected) in cases {
        let keys = query_keys(store, &pk, QueryOptions::prefix(prefix)).await;
        assert_eq!(keys, strings(expected), "prefix {prefix:?}");
    }
}

pub async fn query_prefix_handles_multibyte_boundaries(store: &dyn TableStore) {
    let scope = Scope::new("query-multibyte");
    let pk = scope.pk("P");
    put_all(
        store,
        &pk,
        &[
            "é",
            "éa",
            "ê",
            "e",
            "f",
            "\u{FFFF}",
            "\u{FFFF}z",
            "\u{10000}",
            "😀",
            "😀x",
            "😁",
        ],
    )
    .await;
    let cases: [(&str, &[&str]); 4] = [
        ("é", &["é", "éa"]),
        ("\u{FFFF}", &["\u{FFFF}", "\u{FFFF}z"]),
        ("😀", &["😀", "😀x"]),
        ("e", &["e"]),
    ];
    for (prefix, expected) in cases {
        let keys = query_keys(store, &pk, QueryOptions::prefix(prefix)).await;
        assert_eq!(keys, strings(expected), "prefix {prefix:?}");
    }
}

pub async fn query_paginates_without_skips_or_repeats(store: &dyn TableStore) {
    let scope = Scope::new("query-pages");
    let pk = scope.pk("P");
    let inside: Vec<String> = (0..23).map(|i| format!("TL#{i:03}")).collect();
    let mut all: Vec<&str> = inside.iter().map(String::as_str).collect();
    all.extend(["TK#999", "TL", "TM#000", "A"]);
    put_all(store, &pk, &all).await;
    let mut descending = inside.clone();
    descending.reverse();
    for limit in [1, 2, 3, 7, 22, 23, 24, 100] {
        let ascending = collect_all(
            store,
            Index::Table,
            &pk,
            &QueryOptions::prefix("TL#").limit(limit),
        )
        .await;
        assert_eq!(sort_keys(&ascending), inside, "ascending, limit {limit}");
        let reversed = collect_all(
            store,
            Index::Table,
            &pk,
            &QueryOptions::prefix("TL#").limit(limit).descending(),
        )
        .await;
        assert_eq!(
            sort_keys(&reversed),
            descending,
            "descending, limit {limit}"
        );
    }
    let whole = collect_all(store, Index::Table, &pk, &QueryOptions::prefix("").limit(1)).await;
    assert_eq!(whole.len(), all.len(), "no prefix, page size 1");
}

pub async fn query_page_that_is_not_full_has_no_next(store: &dyn TableStore) {
    let scope = Scope::new("query-short-page");
    let pk = scope.pk("P");
    put_all(store, &pk, &["A", "B", "C"]).await;
    let page = store
        .query(&pk, &QueryOptions::prefix("").limit(10))
        .await
        .expect("query succeeds");
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.next, None);
    let page = store
        .query(&pk, &QueryOptions::prefix("").limit(2))
        .await
        .expect("query succeeds");
    assert_eq!(sort_keys(&page.items), strings(&["A", "B"]));
    let next = page.next.expect("a full page with more after it has next");
    let page = store
        .query(&pk, &QueryOptions::prefix("").limit(2).after(Some(next)))
        .await
        .expect("query succeeds");
    assert_eq!(sort_keys(&page.items), strings(&["C"]));
    assert_eq!(page.next, None);
}

pub async fn query_of_an_empty_partition_is_empty(store: &dyn TableStore) {
    let scope = Scope::new("query-empty");
    put_all(store, &scope.pk("P1"), &["A"]).await;
    for options in [
        QueryOptions::prefix(""),
        QueryOptions::prefix("A").descending(),
        QueryOptions::prefix("").limit(1),
    ] {
        let page = store
            .query(&scope.pk("P"), &options)
            .await
            .expect("query succeeds");
        assert!(page.items.is_empty(), "{options:?}");
        assert_eq!(page.next, None);
    }
    let page = store
        .query(&scope.pk("P1"), &QueryOptions::prefix("B"))
        .await
        .expect("query succeeds");
    assert!(page.items.is_empty());
}

pub async fn query_with_limit_zero_is_invalid(store: &dyn TableStore) {
    let scope = Scope::new("query-limit-zero");
    let options = QueryOptions::prefix("").limit(0);
    let result = store.query(&scope.pk("P"), &options).await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    let result = store.query_gsi1(&scope.pk("G"), &options).await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
}
