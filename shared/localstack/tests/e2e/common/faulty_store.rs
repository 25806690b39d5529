//! A store that fails chosen writes, or answers eventually consistent reads
//! stale, for tests of what that leaves behind. Everything else goes to the
//! wrapped store unchanged (`get_many` and `write_each` by the trait's
//! defaults, so their writes meet the fault too).

use async_trait::async_trait;
use myx_engine::{Condition, Item, Key, Page, QueryOptions, StoreError, TableStore, WriteOp};
use std::sync::Arc;

/// Which writes fail, and how.
pub trait Fault: Send + Sync + 'static {
    /// `Some(error)`: the put fails with it instead of reaching the store.
    fn put(&self, _item: &Item) -> Option<StoreError> {
        None
    }
    /// `Some(failure)`: the transaction fails, after being committed for
    /// [`TransactFailure::CommitThenFail`].
    fn transact(&self, _ops: &[WriteOp]) -> Option<TransactFailure> {
        None
    }
    /// `Some(failure)`: `write_in_order` fails, after applying what the
    /// failure says.
    fn write_in_order(&self, _phases: &[Vec<WriteOp>]) -> Option<TransactFailure> {
        None
    }
    /// `true`: eventually consistent reads see none of the items (as a
    /// replica that has not caught up with them would).
    fn stale_reads(&self) -> bool {
        false
    }
}

pub enum TransactFailure {
    /// Refused: nothing is stored.
    Refuse(StoreError),
    /// Stored, then reported as failed (an answer lost on the way back).
    CommitThenFail(StoreError),
    /// `write_in_order`'s first phases applied, then the process dies.
    PhasesThenFail(usize, StoreError),
}

pub struct FaultyStore<F> {
    pub inner: Arc<dyn TableStore>,
    pub fault: F,
}

#[async_trait]
impl<F: Fault> TableStore for FaultyStore<F> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn get_many_eventually(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        if self.fault.stale_reads() {
            return Ok(vec![None; keys.len()]);
        }
        self.get_many(keys).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        match self.fault.put(&item) {
            Some(error) => Err(error),
            None => self.inner.put(item, condition).await,
        }
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await
    }
    async fn query(&self, pk: &str, options: &QueryOptions) -> Result<Page, StoreError> {
        self.inner.query(pk, options).await
    }
    async fn query_gsi1(&self, pk: &str, options: &QueryOptions) -> Result<Page, StoreError> {
        self.inner.query_gsi1(pk, options).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        match self.fault.transact(&ops) {
            None => self.inner.transact(ops).await,
            Some(TransactFailure::Refuse(error)) => Err(error),
            Some(TransactFailure::CommitThenFail(error)) => {
                self.inner.transact(ops).await?;
                Err(error)
            }
            Some(TransactFailure::PhasesThenFail(_, error)) => Err(error),
        }
    }
    async fn write_in_order(&self, phases: Vec<Vec<WriteOp>>) -> Result<(), StoreError> {
        match self.fault.write_in_order(&phases) {
            None => self.inner.write_in_order(phases).await,
            Some(TransactFailure::Refuse(error)) => Err(error),
            Some(TransactFailure::CommitThenFail(error)) => {
                self.inner.write_in_order(phases).await?;
                Err(error)
            }
            Some(TransactFailure::PhasesThenFail(applied, error)) => {
                let applied = phases.into_iter().take(applied).collect();
                self.inner.write_in_order(applied).await?;
                Err(error)
            }
        }
    }
}
