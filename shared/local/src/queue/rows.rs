//! Statements on `queue_messages` shared by the queue and the timers
//! (which move due timers into the queue in the same transaction).

use crate::LocalError;
use rusqlite::{params, Connection};

const INSERT: &str =
    "INSERT INTO queue_messages (body, state, visible_at, receive_count) VALUES (?1, 'ready', ?2, 0)";

/// Adds one message (JSON `body`), visible from `visible_at` (unix nanos).
pub(crate) fn insert(conn: &Connection, body: &str, visible_at: i64) -> Result<(), LocalError> {
    conn.prepare_cached(INSERT)?
        .execute(params![body, visible_at])?;
    Ok(())
}

/// Moves message `id` to the dead letters.
pub(crate) fn dead_letter(
    conn: &Connection,
    id: i64,
    now: i64,
    error: &str,
) -> Result<(), LocalError> {
    conn.prepare_cached(
        "UPDATE queue_messages SET state = 'dead', dead_at = ?2, last_error = ?3 WHERE id = ?1",
    )?
    .execute(params![id, now, error])?;
    Ok(())
}
