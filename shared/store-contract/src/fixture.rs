//! What the contract macro needs from a factory's output: a store to test.

use myx_engine::TableStore;

/// Something that lends a [`TableStore`] for the length of one test.
pub trait StoreFixture {
    fn store(&self) -> &dyn TableStore;
}

impl<T: TableStore> StoreFixture for T {
    fn store(&self) -> &dyn TableStore {
        self
    }
}
