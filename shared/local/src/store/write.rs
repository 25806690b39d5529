//! Writes: the operations of one request, each condition checked against
//! the row as it stands at that point of the request.

use super::codec::{encode, version_from_sql, version_to_sql};
use super::condition::{holds, Current};
use crate::LocalError;
use myx_engine::{Condition, Item, Key, StoreError, WriteOp};
use rusqlite::{params, Connection, OptionalExtension};

const UPSERT: &str = "INSERT INTO items (pk, sk, gsi1pk, gsi1sk, expires_at, version, data)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
    ON CONFLICT (pk, sk) DO UPDATE SET
        gsi1pk = excluded.gsi1pk, gsi1sk = excluded.gsi1sk,
        expires_at = excluded.expires_at, version = excluded.version, data = excluded.data";
/// The common conditional puts as one statement each, the condition in the
/// statement (no read of the row first): a put of a new key, and a put
/// over the stored item, or over that version of it.
const INSERT_NEW: &str = "INSERT INTO items (pk, sk, gsi1pk, gsi1sk, expires_at, version, data)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
    ON CONFLICT (pk, sk) DO NOTHING";
const REPLACE_EXISTING: &str = "UPDATE items SET
        gsi1pk = ?3, gsi1sk = ?4, expires_at = ?5, version = ?6, data = ?7
    WHERE pk = ?1 AND sk = ?2";
const REPLACE_VERSION: &str = "UPDATE items SET
        gsi1pk = ?3, gsi1sk = ?4, expires_at = ?5, version = ?6, data = ?7
    WHERE pk = ?1 AND sk = ?2 AND version = ?8";
const DELETE: &str = "DELETE FROM items WHERE pk = ?1 AND sk = ?2";
const CURRENT: &str = "SELECT expires_at, version FROM items WHERE pk = ?1 AND sk = ?2";

/// Applies `ops` in order, checking each condition against the rows as
/// the earlier operations left them (keys are distinct, so this equals
/// checking them all first). Run it through `SharedConnection::write`,
/// which discards every change when it returns `Err`.
pub(crate) fn apply(conn: &Connection, ops: &[WriteOp]) -> Result<(), StoreError> {
    for (index, op) in ops.iter().enumerate() {
        if let WriteOp::Put { item, condition } = op {
            if let Some(written) = put_in_one_statement(conn, item, condition)? {
                if !written {
                    return Err(StoreError::TransactionCancelled {
                        index,
                        key: item.key.clone(),
                    });
                }
                continue;
            }
        }
        let condition = condition_of(op);
        if condition != &Condition::None {
            let key = key_of(op);
            let current = current(conn, key)?;
            if !holds(condition, current.as_ref()) {
                return Err(StoreError::TransactionCancelled {
                    index,
                    key: key.clone(),
                });
            }
        }
        write(conn, op)?;
    }
    Ok(())
}

fn condition_of(op: &WriteOp) -> &Condition {
    match op {
        WriteOp::Put { condition, .. }
        | WriteOp::Delete { condition, .. }
        | WriteOp::Check { condition, .. } => condition,
    }
}

fn key_of(op: &WriteOp) -> &Key {
    match op {
        WriteOp::Put { item, .. } => &item.key,
        WriteOp::Delete { key, .. } | WriteOp::Check { key, .. } => key,
    }
}

fn current(conn: &Connection, key: &Key) -> Result<Option<Current>, LocalError> {
    let mut stmt = conn.prepare_cached(CURRENT)?;
    let row = stmt
        .query_row(params![key.pk, key.sk], |row| {
            Ok(Current {
                expires_at: row.get(0)?,
                version: version_from_sql(row.get(1)?),
            })
        })
        .optional()?;
    Ok(row)
}

fn write(conn: &Connection, op: &WriteOp) -> Result<(), LocalError> {
    match op {
        WriteOp::Put { item, .. } => upsert(conn, item),
        WriteOp::Delete { key, .. } => {
            conn.prepare_cached(DELETE)?
                .execute(params![key.pk, key.sk])?;
            Ok(())
        }
        WriteOp::Check { .. } => Ok(()),
    }
}

/// A put whose condition one statement can check: `Some(false)` when the
/// condition failed (nothing was written), `None` for the other conditions.
fn put_in_one_statement(
    conn: &Connection,
    item: &Item,
    condition: &Condition,
) -> Result<Option<bool>, LocalError> {
    let (sql, version) = match condition {
        Condition::NotExists => (INSERT_NEW, None),
        Condition::Exists => (REPLACE_EXISTING, None),
        Condition::VersionIs(version) => (REPLACE_VERSION, Some(version_to_sql(*version))),
        _ => return Ok(None),
    };
    let changed = execute_with_item(conn, sql, item, version)?;
    Ok(Some(changed == 1))
}

fn upsert(conn: &Connection, item: &Item) -> Result<(), LocalError> {
    execute_with_item(conn, UPSERT, item, None)?;
    Ok(())
}

/// Runs `sql` with the item's columns as `?1`..`?7` (and `version` as
/// `?8`, for statements that compare it); returns the rows changed.
fn execute_with_item(
    conn: &Connection,
    sql: &str,
    item: &Item,
    version: Option<i64>,
) -> Result<usize, LocalError> {
    let encoded = encode(item)?;
    let (gsi1pk, gsi1sk) = match &item.gsi1 {
        Some(gsi1) => (Some(gsi1.pk.as_str()), Some(gsi1.sk.as_str())),
        None => (None, None),
    };
    let columns = params![
        item.key.pk,
        item.key.sk,
        gsi1pk,
        gsi1sk,
        encoded.expires_at,
        encoded.version,
        encoded.data,
    ];
    let mut stmt = conn.prepare_cached(sql)?;
    let changed = match &version {
        None => stmt.execute(columns)?,
        Some(version) => {
            let mut with_version = columns.to_vec();
            with_version.push(version);
            stmt.execute(with_version.as_slice())?
        }
    };
    Ok(changed)
}
