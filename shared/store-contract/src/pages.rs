//! Follow a query's `next` cursors to the end, checking each page's shape.

use myx_engine::{Item, QueryOptions, TableStore};

pub(crate) enum Index {
    Table,
    Gsi1,
}

/// Every item of the query, page by page. Panics when a page exceeds the
/// limit, a page that is not full carries a cursor, or the pages never end.
pub(crate) async fn collect_all(
    store: &dyn TableStore,
    index: Index,
    pk: &str,
    options: &QueryOptions,
) -> Vec<Item> {
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    let max_pages = 10_000;
    for _ in 0..max_pages {
        let page_options = options.clone().after(after.clone());
        let page = match index {
            Index::Table => store.query(pk, &page_options).await,
            Index::Gsi1 => store.query_gsi1(pk, &page_options).await,
        }
        .expect("query succeeds");
        assert!(
            page.items.len() <= options.limit,
            "a page held {} items with limit {}",
            page.items.len(),
            options.limit
        );
        if page.items.len() < options.limit {
            assert_eq!(
                page.next, None,
                "a page that is not full must not have next"
            );
        }
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return items,
        }
    }
    panic!("pagination did not end after {max_pages} pages");
}

pub(crate) fn sort_keys(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| i.key.sk.clone()).collect()
}
