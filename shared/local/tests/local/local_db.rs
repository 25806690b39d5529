//! Opening, migrating and sharing the local database file.

use crate::common::{secs, t0};
use myx_engine::{Condition, Item, Key, QueryOptions, TableStore};
use myx_local::{LocalDb, LocalError, SCHEMA_VERSION};
use serde_json::json;
use tempfile::TempDir;

#[tokio::test]
async fn items_survive_a_restart() {
    let dir = TempDir::new().expect("a temporary directory");
    let path = dir.path().join("myx.sqlite3");
    let item = Item::new(Key::new("T#t#EVENT#e", "META"), json!({"name": "Launch"}))
        .with_gsi1(Key::new("T#t#EVENTS", "2026-06-01#e"));
    {
        let db = LocalDb::open(&path).expect("opens");
        db.store()
            .put(item.clone(), Condition::NotExists)
            .await
            .expect("put succeeds");
    }
    let store = LocalDb::open(&path).expect("reopens").store();
    assert_eq!(store.get(&item.key).await.expect("ok"), Some(item.clone()));
    let page = store
        .query_gsi1("T#t#EVENTS", &QueryOptions::prefix(""))
        .await
        .expect("ok");
    assert_eq!(page.items, [item]);
}

#[test]
fn a_new_file_is_migrated_to_the_current_schema_in_wal_mode() {
    let dir = TempDir::new().expect("a temporary directory");
    let path = dir.path().join("myx.sqlite3");
    drop(LocalDb::open(&path).expect("opens"));
    let raw = rusqlite::Connection::open(&path).expect("opens");
    let version: i64 = raw
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("ok");
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .expect("ok");
    assert_eq!(mode, "wal");
    drop(raw);
    drop(LocalDb::open(&path).expect("reopening an up-to-date file works"));
}

#[test]
fn a_file_from_a_newer_build_is_refused() {
    let dir = TempDir::new().expect("a temporary directory");
    let path = dir.path().join("myx.sqlite3");
    drop(LocalDb::open(&path).expect("opens"));
    let raw = rusqlite::Connection::open(&path).expect("opens");
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("ok");
    drop(raw);
    match LocalDb::open(&path) {
        Err(LocalError::SchemaTooNew { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("a newer schema must be refused"),
    }
}

#[tokio::test]
async fn purge_expired_deletes_only_items_expired_by_then() {
    let store = LocalDb::open_in_memory().expect("opens").store();
    let pk = "T#t#IDEM";
    let entries = [
        ("old", Some(t0())),
        ("new", Some(t0() + secs(1))),
        ("forever", None),
    ];
    for (sk, expires_at) in entries {
        let mut item = Item::new(Key::new(pk, sk), json!({}));
        item.expires_at = expires_at;
        store.put(item, Condition::None).await.expect("ok");
    }
    assert_eq!(store.purge_expired(t0()).await.expect("ok"), 1);
    let page = store
        .query(pk, &QueryOptions::prefix(""))
        .await
        .expect("ok");
    let left: Vec<_> = page.items.iter().map(|i| i.key.sk.as_str()).collect();
    assert_eq!(left, ["forever", "new"]);
}

/// Reads of a file database run on their own connections; a write that has
/// been acknowledged must still be visible to the very next read, from any
/// task, while other writes keep committing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_write_is_visible_to_the_next_read() {
    let dir = TempDir::new().expect("a temporary directory");
    let store = std::sync::Arc::new(
        LocalDb::open(dir.path().join("myx.sqlite3"))
            .expect("opens")
            .store(),
    );
    let tasks: Vec<_> = (0..64)
        .map(|n| {
            let store = std::sync::Arc::clone(&store);
            tokio::spawn(async move {
                for round in 0..20 {
                    let key = Key::new(format!("P#{n}"), format!("S#{round:02}"));
                    let item = Item::new(key.clone(), json!({"n": n, "round": round}));
                    store
                        .put(item.clone(), Condition::NotExists)
                        .await
                        .expect("put succeeds");
                    assert_eq!(store.get(&key).await.expect("get succeeds"), Some(item));
                    let page = store
                        .query(&format!("P#{n}"), &QueryOptions::prefix("S#"))
                        .await
                        .expect("query succeeds");
                    assert_eq!(page.items.len(), round + 1, "every earlier write is seen");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("the task finishes");
    }
}

/// A background checkpointer copies the WAL into the database file while
/// the WAL is still short (the writer checkpoints only a long WAL). Without
/// it the main file would stay at its initial size here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_is_checkpointed_in_the_background() {
    let dir = TempDir::new().expect("a temporary directory");
    let path = dir.path().join("myx.sqlite3");
    let db = LocalDb::open(&path).expect("opens");
    let store = db.store();
    let initial = std::fs::metadata(&path).expect("the file exists").len();
    let filler = "x".repeat(4_000);
    for n in 0..500 {
        let item = Item::new(
            Key::new("P#bulk", format!("S#{n:04}")),
            json!({"f": filler}),
        );
        store
            .put(item, Condition::None)
            .await
            .expect("put succeeds");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let size = std::fs::metadata(&path).expect("the file exists").len();
        if size > initial + 1_000_000 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the database file is still {size} bytes (was {initial}): nothing was checkpointed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Under a steady stream of commits a background checkpoint never catches
/// up, so the writer finishes it once the WAL is long and the WAL starts
/// over: the WAL file stays far smaller than the data written through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_bounded_under_sustained_writes() {
    let dir = TempDir::new().expect("a temporary directory");
    let path = dir.path().join("myx.sqlite3");
    let store = std::sync::Arc::new(LocalDb::open(&path).expect("opens").store());
    let filler = "y".repeat(4_000);
    // 16 writers x 600 items x ~4 KB: about 150 MB of WAL frames (pages of
    // the table and its indexes) if it is never restarted.
    let tasks: Vec<_> = (0..16)
        .map(|w| {
            let store = std::sync::Arc::clone(&store);
            let filler = filler.clone();
            tokio::spawn(async move {
                for n in 0..600 {
                    let key = Key::new(format!("P#{w}"), format!("S#{n:04}"));
                    store
                        .put(
                            Item::new(key.clone(), json!({"f": filler})),
                            Condition::None,
                        )
                        .await
                        .expect("put succeeds");
                    store.get(&key).await.expect("get succeeds");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("the writer finishes");
    }
    let wal = std::fs::metadata(dir.path().join("myx.sqlite3-wal"))
        .expect("the WAL exists")
        .len();
    assert!(
        wal < 64 * 1024 * 1024,
        "the WAL grew to {wal} bytes: it was never restarted"
    );
}

/// A file written by a build with schema 1 (items and timers as WITHOUT
/// ROWID tables): its rows as that build stored them.
fn write_schema_1_file(path: &std::path::Path) {
    let raw = rusqlite::Connection::open(path).expect("opens");
    raw.execute_batch(
        "
        CREATE TABLE items (pk TEXT NOT NULL, sk TEXT NOT NULL, gsi1pk TEXT, gsi1sk TEXT,
            expires_at INTEGER, version INTEGER NOT NULL, data TEXT NOT NULL,
            PRIMARY KEY (pk, sk)) WITHOUT ROWID;
        CREATE INDEX items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
        CREATE INDEX items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;
        CREATE TABLE queue_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('ready', 'dead')), visible_at INTEGER NOT NULL,
            receive_count INTEGER NOT NULL DEFAULT 0, last_error TEXT, dead_at INTEGER);
        CREATE INDEX queue_ready ON queue_messages (visible_at, id) WHERE state = 'ready';
        CREATE INDEX queue_dead ON queue_messages (dead_at, id) WHERE state = 'dead';
        CREATE TABLE timers (name TEXT PRIMARY KEY NOT NULL, due_at INTEGER NOT NULL,
            body TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX timers_due ON timers (due_at, name);
        INSERT INTO items VALUES ('T#t#EVENT#e', 'META', 'T#t#EVENTS', '2026-06-01#e', NULL, 3,
            '{\"name\":\"Launch\"}');
        INSERT INTO items VALUES ('T#t#EVENT#e', 'REG#c1', NULL, NULL, NULL, 1, '{\"n\":1}');
        INSERT INTO items VALUES ('T#t#EVENT#e', 'REG#c2', NULL, NULL, NULL, 1, '{\"n\":2}');
        INSERT INTO timers VALUES ('cs-old', 1780000000000000000,
            '{\"kind\":\"post_event\",\"tenant\":\"t\",\"event\":\"e\",\"contact\":\"c1\"}');
        PRAGMA user_version = 1;
        ",
    )
    .expect("the schema-1 file is written");
}

#[tokio::test]
async fn a_schema_1_file_is_upgraded_without_losing_a_row() {
    let dir = TempDir::new().expect("a temporary directory");
    let path = dir.path().join("myx.sqlite3");
    write_schema_1_file(&path);
    let db = LocalDb::open(&path).expect("opens and migrates");
    let store = db.store();
    let meta = store
        .get(&Key::new("T#t#EVENT#e", "META"))
        .await
        .expect("ok")
        .expect("kept");
    assert_eq!(meta.data, json!({"name": "Launch"}));
    assert_eq!(meta.version, 3);
    let regs = store
        .query("T#t#EVENT#e", &QueryOptions::prefix("REG#"))
        .await
        .expect("ok");
    let sks: Vec<&str> = regs.items.iter().map(|i| i.key.sk.as_str()).collect();
    assert_eq!(sks, ["REG#c1", "REG#c2"]);
    let by_gsi = store
        .query_gsi1("T#t#EVENTS", &QueryOptions::prefix(""))
        .await
        .expect("ok");
    assert_eq!(by_gsi.items, std::slice::from_ref(&meta));
    // Keys stay unique after the upgrade: a conditional create of an
    // existing key is refused, an update by version goes through.
    assert!(store.put(meta.clone(), Condition::NotExists).await.is_err());
    let mut next = meta.clone();
    next.version = 4;
    store
        .put(next, Condition::VersionIs(3))
        .await
        .expect("versioned update");
    let timers = db.timers().pending().await.expect("ok");
    assert_eq!(timers.len(), 1);
    assert_eq!(timers[0].name, "cs-old");
    drop(db);
    let raw = rusqlite::Connection::open(&path).expect("opens");
    let version: i64 = raw
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("ok");
    assert_eq!(version, SCHEMA_VERSION);
}
