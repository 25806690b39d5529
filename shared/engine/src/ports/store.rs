//! The table store: one DynamoDB-shaped table (partition key, sort key, one
//! global secondary index, TTL attribute), implemented on SQLite locally and
//! on DynamoDB in AWS. Access patterns are written once against this trait.

use async_trait::async_trait;
use jiff::Timestamp;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Key {
            pk: pk.into(),
            sk: sk.into(),
        }
    }
}

/// One item. `data` is a JSON object holding the entity's attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub key: Key,
    /// GSI1 partition and sort key, when the item is indexed.
    pub gsi1: Option<Key>,
    /// TTL: after this instant the item may disappear (and reads must treat
    /// it as absent: DynamoDB deletes expired items only eventually).
    pub expires_at: Option<Timestamp>,
    /// Optimistic-concurrency counter, compared by [`Condition::VersionIs`].
    pub version: u64,
    pub data: Value,
}

impl Item {
    pub fn new(key: Key, data: Value) -> Self {
        Item {
            key,
            gsi1: None,
            expires_at: None,
            version: 1,
            data,
        }
    }

    pub fn with_gsi1(mut self, gsi1: Key) -> Self {
        self.gsi1 = Some(gsi1);
        self
    }

    pub fn expiring_at(mut self, at: Timestamp) -> Self {
        self.expires_at = Some(at);
        self
    }

    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}

/// A write's precondition, checked atomically with the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    None,
    /// No item with this key exists.
    NotExists,
    /// No item exists, or the one there expired at or before the instant.
    NotExistsOrExpired(Timestamp),
    /// An item with this key exists.
    Exists,
    /// The existing item has exactly this version.
    VersionIs(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    Put {
        item: Item,
        condition: Condition,
    },
    Delete {
        key: Key,
        condition: Condition,
    },
    /// Only checks a condition (DynamoDB `ConditionCheck`).
    Check {
        key: Key,
        condition: Condition,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryOptions {
    /// Sort keys must begin with this (empty: all).
    pub sk_prefix: String,
    /// The previous page's `next` cursor (opaque: pass it back unchanged).
    pub after: Option<String>,
    pub limit: usize,
    pub descending: bool,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions::prefix("")
    }
}

impl QueryOptions {
    pub fn prefix(prefix: impl Into<String>) -> Self {
        QueryOptions {
            sk_prefix: prefix.into(),
            after: None,
            limit: 100,
            descending: false,
        }
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.after = cursor;
        self
    }

    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub items: Vec<Item>,
    /// Pass as `after` to get the next page; `None` when there is no more.
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("condition failed for {0:?}")]
    ConditionFailed(Key),
    /// A transaction was cancelled because operation `index` failed its condition.
    #[error("transaction cancelled: operation {index} ({key:?}) failed its condition")]
    TransactionCancelled { index: usize, key: Key },
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait TableStore: Send + Sync {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;
    /// Several items by key, answered in the order asked (`None` where
    /// missing; a key may repeat). The same as that many `get`s; a store
    /// may read them together (SQLite: in one read transaction). The
    /// default issues the `get`s concurrently.
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        futures_util::future::try_join_all(keys.iter().map(|key| self.get(key))).await
    }
    /// As [`get_many`](Self::get_many), but a read may miss writes of
    /// about the last second (DynamoDB: eventually consistent reads, at
    /// half the price of strongly consistent ones). For reads whose result
    /// a conditional write checks again, or whose staleness only widens a
    /// race that exists anyway. The default reads strongly.
    async fn get_many_eventually(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        self.get_many(keys).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError>;
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError>;
    /// Items of one partition, in sort-key order.
    async fn query(&self, pk: &str, options: &QueryOptions) -> Result<Page, StoreError>;
    /// Items by GSI1 partition, in GSI1 sort-key order. GSI1 sort keys may
    /// repeat, so `next` is an opaque cursor, not a sort key.
    async fn query_gsi1(&self, gsi1_pk: &str, options: &QueryOptions) -> Result<Page, StoreError>;
    /// All operations or none (at most 100, as DynamoDB; one key at most once).
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError>;
    /// Each operation with its own condition, not as one unit: for writes
    /// that need no atomicity with each other, which a store may apply
    /// separately (DynamoDB: one request each, at half a transaction's
    /// price) or together (SQLite: one commit), so the limits of
    /// `transact` apply (at most 100, each key once). When one fails, others
    /// may or may not have been applied; the error is the first failure
    /// (`ConditionFailed` with its key for a failed condition).
    async fn write_each(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        let writes = ops.into_iter().map(|op| async move {
            match op {
                WriteOp::Put { item, condition } => self.put(item, condition).await,
                WriteOp::Delete { key, condition } => self.delete(&key, condition).await,
                check @ WriteOp::Check { .. } => self.transact(vec![check]).await,
            }
        });
        futures_util::future::try_join_all(writes).await.map(|_| ())
    }
    /// Phases of writes, each as [`write_each`](Self::write_each), a phase
    /// only once the one before it is applied: for writes whose crash-safety
    /// is their order (what an earlier phase writes must be harmless when
    /// a later one never comes, and a retry repairs or reuses it). A store
    /// may commit every phase together instead (SQLite: one transaction,
    /// so the limits of `transact` apply to all phases together). When one
    /// fails, the phases before it may have been applied (or, in a store
    /// that commits together, none); the error is the first failure
    /// (`ConditionFailed` with its key for a failed condition).
    async fn write_in_order(&self, phases: Vec<Vec<WriteOp>>) -> Result<(), StoreError> {
        for phase in phases {
            if !phase.is_empty() {
                self.write_each(phase).await?;
            }
        }
        Ok(())
    }
}

/// Most operations one transaction may hold (DynamoDB's limit).
pub const MAX_TRANSACTION_OPS: usize = 100;
