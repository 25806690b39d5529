//! The file's tables, created and upgraded through `PRAGMA user_version`.
//! Migrations only ever get appended; each runs in its own transaction.

use crate::LocalError;
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the table store, the work queue and the timers.
    "
    CREATE TABLE items (
        pk         TEXT NOT NULL,
        sk         TEXT NOT NULL,
        gsi1pk     TEXT,
        gsi1sk     TEXT,
        expires_at INTEGER,             -- unix nanoseconds
        version    INTEGER NOT NULL,    -- u64 stored as its i64 bit pattern
        data       TEXT NOT NULL,       -- a JSON object
        PRIMARY KEY (pk, sk)
    ) WITHOUT ROWID;
    -- pk, sk make the index order total, for GSI1 cursors.
    CREATE INDEX items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
    CREATE INDEX items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;

    CREATE TABLE queue_messages (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
        body          TEXT NOT NULL,       -- a WorkMessage as JSON
        state         TEXT NOT NULL CHECK (state IN ('ready', 'dead')),
        visible_at    INTEGER NOT NULL,    -- unix nanoseconds
        receive_count INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT,
        dead_at       INTEGER
    );
    CREATE INDEX queue_ready ON queue_messages (visible_at, id) WHERE state = 'ready';
    CREATE INDEX queue_dead ON queue_messages (dead_at, id) WHERE state = 'dead';

    CREATE TABLE timers (
        name   TEXT PRIMARY KEY NOT NULL,
        due_at INTEGER NOT NULL,           -- unix nanoseconds
        body   TEXT NOT NULL               -- a WorkMessage as JSON
    ) WITHOUT ROWID;
    CREATE INDEX timers_due ON timers (due_at, name);
    ",
    // 2: items and timers as rowid tables with their keys in unique
    // indexes. New rows append to the table's last page instead of landing
    // on a page chosen by key, and rows of a few KiB (plans, registrations)
    // fit a table page where a WITHOUT ROWID page spills them to overflow
    // pages: about a third fewer pages written per enrollment.
    "
    CREATE TABLE items_v2 (
        id         INTEGER PRIMARY KEY,
        pk         TEXT NOT NULL,
        sk         TEXT NOT NULL,
        gsi1pk     TEXT,
        gsi1sk     TEXT,
        expires_at INTEGER,             -- unix nanoseconds
        version    INTEGER NOT NULL,    -- u64 stored as its i64 bit pattern
        data       TEXT NOT NULL        -- a JSON object
    );
    INSERT INTO items_v2 (pk, sk, gsi1pk, gsi1sk, expires_at, version, data)
        SELECT pk, sk, gsi1pk, gsi1sk, expires_at, version, data FROM items ORDER BY pk, sk;
    DROP TABLE items;
    ALTER TABLE items_v2 RENAME TO items;
    CREATE UNIQUE INDEX items_key ON items (pk, sk);
    -- pk, sk make the index order total, for GSI1 cursors.
    CREATE INDEX items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
    CREATE INDEX items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;

    CREATE TABLE timers_v2 (
        id     INTEGER PRIMARY KEY,
        name   TEXT NOT NULL UNIQUE,
        due_at INTEGER NOT NULL,           -- unix nanoseconds
        body   TEXT NOT NULL               -- a WorkMessage as JSON
    );
    INSERT INTO timers_v2 (name, due_at, body) SELECT name, due_at, body FROM timers ORDER BY due_at, name;
    DROP TABLE timers;
    ALTER TABLE timers_v2 RENAME TO timers;
    CREATE INDEX timers_due ON timers (due_at, name);
    ",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the file up to [`SCHEMA_VERSION`]; refuses a newer file. The
/// version is read inside each write transaction, so two processes opening
/// a fresh file at once do not both run a migration.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), LocalError> {
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(LocalError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        let applied = usize::try_from(found)
            .map_err(|_| LocalError::Corrupt(format!("schema version {found}")))?;
        let Some(sql) = MIGRATIONS.get(applied) else {
            return Ok(());
        };
        let version = found + 1;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "migrated the local database");
    }
}
