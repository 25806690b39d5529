//! Opening, migrating and sharing the local database file.

mod common;

use common::{secs, t0};
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
