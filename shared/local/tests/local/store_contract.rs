//! The table-store contract, against an in-memory and a file-backed store.

use myx_engine::TableStore;
use myx_local::{LocalDb, SqliteStore};
use myx_store_contract::StoreFixture;
use tempfile::TempDir;

mod in_memory {
    use super::*;

    async fn store() -> SqliteStore {
        LocalDb::open_in_memory()
            .expect("an in-memory database opens")
            .store()
    }

    myx_store_contract::contract_tests!(store());
}

mod file_backed {
    use super::*;

    /// Keeps the directory (and so the file) alive for the test.
    struct FileStore {
        store: SqliteStore,
        _dir: TempDir,
    }

    impl StoreFixture for FileStore {
        fn store(&self) -> &dyn TableStore {
            &self.store
        }
    }

    async fn store() -> FileStore {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = LocalDb::open(dir.path().join("myx.sqlite3")).expect("the file opens");
        FileStore {
            store: db.store(),
            _dir: dir,
        }
    }

    myx_store_contract::contract_tests!(store());
}
