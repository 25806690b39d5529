//! The contract suite can fail: stores with one deliberate fault each must
//! make the case aimed at that fault panic.

use async_trait::async_trait;
use myx_engine::{Condition, Item, Key, Page, QueryOptions, StoreError, TableStore, WriteOp};
use myx_local::{LocalDb, SqliteStore};
use myx_store_contract::cases;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

#[derive(Clone, Copy)]
enum Fault {
    /// Writes as if every condition were `Condition::None`.
    IgnoresConditions,
    /// Applies a transaction's operations one by one, stopping at a failure.
    NotAtomic,
    /// Ignores `descending`.
    AlwaysAscending,
    /// Matches prefixes like SQL `LIKE 'prefix%'`: case-insensitive, `_`
    /// and `%` as wildcards.
    LikePrefix,
    /// GSI1 cursors hold only the GSI1 sort key.
    BareGsi1Cursor,
    /// Each page's cursor points one item too early.
    RepeatsAnItem,
}

struct Faulty {
    inner: SqliteStore,
    fault: Fault,
}

fn without_condition(op: WriteOp) -> WriteOp {
    match op {
        WriteOp::Put { item, .. } => WriteOp::Put {
            item,
            condition: Condition::None,
        },
        WriteOp::Delete { key, .. } => WriteOp::Delete {
            key,
            condition: Condition::None,
        },
        check => check,
    }
}

/// `LIKE 'pattern%'` with SQLite's defaults.
fn like_prefix(pattern: &[char], text: &[char]) -> bool {
    match pattern.split_first() {
        None => true,
        Some(('%', rest)) => (0..=text.len()).any(|i| like_prefix(rest, &text[i..])),
        Some((p, rest)) => match text.split_first() {
            Some((t, text_rest)) => {
                (*p == '_' || p.eq_ignore_ascii_case(t)) && like_prefix(rest, text_rest)
            }
            None => false,
        },
    }
}

#[async_trait]
impl TableStore for Faulty {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        match self.fault {
            Fault::IgnoresConditions => self.inner.put(item, Condition::None).await,
            _ => self.inner.put(item, condition).await,
        }
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await
    }

    async fn query(&self, pk: &str, options: &QueryOptions) -> Result<Page, StoreError> {
        let mut options = options.clone();
        match self.fault {
            Fault::AlwaysAscending => options.descending = false,
            Fault::LikePrefix => {
                let pattern: Vec<char> = options.sk_prefix.chars().collect();
                let all = QueryOptions::prefix("").limit(10_000);
                let page = self.inner.query(pk, &all).await?;
                let items = page
                    .items
                    .into_iter()
                    .filter(|i| like_prefix(&pattern, &i.key.sk.chars().collect::<Vec<_>>()))
                    .collect();
                return Ok(Page { items, next: None });
            }
            Fault::RepeatsAnItem => {
                let mut page = self.inner.query(pk, &options).await?;
                if page.next.is_some() && page.items.len() > 1 {
                    page.next = Some(page.items[page.items.len() - 2].key.sk.clone());
                }
                return Ok(page);
            }
            _ => {}
        }
        self.inner.query(pk, &options).await
    }

    async fn query_gsi1(&self, gsi1_pk: &str, options: &QueryOptions) -> Result<Page, StoreError> {
        let mut page = self.inner.query_gsi1(gsi1_pk, options).await?;
        if let Fault::BareGsi1Cursor = self.fault {
            if page.next.is_some() {
                page.next = page.items.last().and_then(|i| i.gsi1.clone()).map(|g| g.sk);
            }
        }
        Ok(page)
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        match self.fault {
            Fault::IgnoresConditions => {
                let ops = ops.into_iter().map(without_condition).collect();
                self.inner.transact(ops).await
            }
            Fault::NotAtomic => {
                for (index, op) in ops.into_iter().enumerate() {
                    self.inner.transact(vec![op]).await.map_err(|e| match e {
                        StoreError::TransactionCancelled { key, .. } => {
                            StoreError::TransactionCancelled { index, key }
                        }
                        other => other,
                    })?;
                }
                Ok(())
            }
            _ => self.inner.transact(ops).await,
        }
    }
}

/// Resolves to `Err` when the future panics.
struct CatchPanic<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        }
    }
}

fn faulty(fault: Fault) -> Faulty {
    Faulty {
        inner: LocalDb::open_in_memory()
            .expect("an in-memory database opens")
            .store(),
        fault,
    }
}

async fn panics<F: Future<Output = ()>>(case: F) -> bool {
    CatchPanic(Box::pin(case)).await.is_err()
}

#[tokio::test]
async fn ignoring_conditions_is_caught() {
    let store = faulty(Fault::IgnoresConditions);
    assert!(
        panics(cases::put_not_exists_succeeds_once_then_fails_with_the_key(
            &store
        ))
        .await
    );
    assert!(panics(cases::put_version_is_requires_the_exact_version(&store)).await);
    assert!(panics(cases::transact_is_all_or_nothing(&store)).await);
    assert!(panics(cases::concurrent_conditional_puts_have_one_winner(&store)).await);
}

#[tokio::test]
async fn a_transaction_that_is_not_atomic_is_caught() {
    let store = faulty(Fault::NotAtomic);
    assert!(panics(cases::transact_is_all_or_nothing(&store)).await);
    assert!(panics(cases::transact_check_guards_without_writing(&store)).await);
}

#[tokio::test]
async fn ignoring_descending_is_caught() {
    let store = faulty(Fault::AlwaysAscending);
    assert!(panics(cases::query_descending_reverses_the_order(&store)).await);
    assert!(panics(cases::query_paginates_without_skips_or_repeats(&store)).await);
}

#[tokio::test]
async fn like_based_prefixes_are_caught() {
    let store = faulty(Fault::LikePrefix);
    assert!(panics(cases::query_prefix_treats_like_wildcards_literally(&store)).await);
    assert!(panics(cases::query_prefix_excludes_neighbouring_keys(&store)).await);
}

#[tokio::test]
async fn gsi1_cursors_without_a_tiebreak_are_caught() {
    let store = faulty(Fault::BareGsi1Cursor);
    assert!(
        panics(cases::query_gsi1_paginates_through_duplicate_sort_keys(
            &store
        ))
        .await
    );
}

#[tokio::test]
async fn overlapping_pages_are_caught() {
    let store = faulty(Fault::RepeatsAnItem);
    assert!(panics(cases::query_paginates_without_skips_or_repeats(&store)).await);
}

#[tokio::test]
async fn the_healthy_store_passes_the_same_cases() {
    let store = LocalDb::open_in_memory()
        .expect("an in-memory database opens")
        .store();
    assert!(!panics(cases::transact_is_all_or_nothing(&store)).await);
    assert!(!panics(cases::query_prefix_treats_like_wildcards_literally(&store)).await);
    assert!(
        !panics(cases::query_gsi1_paginates_through_duplicate_sort_keys(
            &store
        ))
        .await
    );
}
