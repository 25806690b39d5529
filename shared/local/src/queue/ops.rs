//! The queue's blocking SQLite operations. Writers run through
//! `SharedConnection::write`, which makes each one atomic.

use super::retry::RetryPolicy;
use super::rows::dead_letter;
use super::types::{DeadLetter, Delivery, FailOutcome, MessageId, Redrive};
use crate::time_codec::{add, from_nanos, to_nanos};
use crate::LocalError;
use jiff::{SignedDuration, Timestamp};
use myx_engine::WorkMessage;
use rusqlite::{params, Connection, OptionalExtension};

const VISIBLE: &str = "SELECT id, body, receive_count FROM queue_messages
    WHERE state = 'ready' AND visible_at <= ?1 ORDER BY visible_at, id LIMIT ?2";
const TAKE: &str =
    "UPDATE queue_messages SET visible_at = ?2, receive_count = receive_count + 1 WHERE id = ?1";

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

pub(crate) fn receive(
    conn: &Connection,
    now: Timestamp,
    max: usize,
    visible_until: Timestamp,
    policy: &RetryPolicy,
) -> Result<Vec<Delivery>, LocalError> {
    let now = to_nanos(now)?;
    let visible_until = to_nanos(visible_until)?;
    let max_attempts = i64::from(policy.max_attempts());
    let mut deliveries = Vec::new();
    // Each pass delivers or dead-letters every row it reads, so none is
    // read twice and the loop ends.
    while deliveries.len() < max {
        let wanted = i64::try_from(max - deliveries.len()).unwrap_or(i64::MAX);
        let rows: Vec<(i64, String, i64)> = conn
            .prepare_cached(VISIBLE)?
            .query_map(params![now, wanted], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        if rows.is_empty() {
            break;
        }
        for (id, body, received) in rows {
            if received >= max_attempts {
                let error = format!("not acknowledged after {received} deliveries");
                tracing::warn!(id, received, "dead-lettered an abandoned message");
                dead_letter(conn, id, now, &error)?;
                continue;
            }
            match serde_json::from_str::<WorkMessage>(&body) {
                Ok(message) => {
                    conn.prepare_cached(TAKE)?
                        .execute(params![id, visible_until])?;
                    deliveries.push(Delivery {
                        id: MessageId(id),
                        message,
                        receive_count: count(received + 1),
                    });
                }
                Err(e) => {
                    tracing::warn!(id, "dead-lettered a message that does not decode");
                    dead_letter(conn, id, now, &format!("undecodable message: {e}"))?;
                }
            }
        }
    }
    Ok(deliveries)
}

pub(crate) fn ack(conn: &Connection, id: MessageId) -> Result<bool, LocalError> {
    let deleted = conn
        .prepare_cached("DELETE FROM queue_messages WHERE id = ?1 AND state = 'ready'")?
        .execute(params![id.0])?;
    Ok(deleted > 0)
}

pub(crate) fn fail(
    conn: &Connection,
    id: MessageId,
    now: Timestamp,
    permanent: bool,
    error: &str,
    policy: &RetryPolicy,
) -> Result<FailOutcome, LocalError> {
    let received: Option<i64> = conn
        .prepare_cached(
            "SELECT receive_count FROM queue_messages WHERE id = ?1 AND state = 'ready'",
        )?
        .query_row(params![id.0], |row| row.get(0))
        .optional()?;
    let Some(received) = received else {
        return Ok(FailOutcome::Unknown);
    };
    let attempts = count(received).max(1);
    let retry = if permanent {
        None
    } else {
        policy.delay_after(attempts)
    };
    let outcome = match retry {
        Some(delay) => {
            let at = add(now, delay)?;
            conn.prepare_cached(
                "UPDATE queue_messages SET visible_at = ?2, last_error = ?3 WHERE id = ?1",
            )?
            .execute(params![id.0, to_nanos(at)?, error])?;
            tracing::debug!(%id, attempts, retry_at = %at, "message failed; retrying");
            FailOutcome::RetryAt(at)
        }
        None => {
            dead_letter(conn, id.0, to_nanos(now)?, error)?;
            tracing::warn!(%id, attempts, permanent, "message failed; dead-lettered");
            FailOutcome::DeadLettered
        }
    };
    Ok(outcome)
}

pub(crate) fn dead_letters(conn: &Connection) -> Result<Vec<DeadLetter>, LocalError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, body, receive_count, last_error, dead_at FROM queue_messages
         WHERE state = 'dead' ORDER BY dead_at, id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, Option<String>>(3)?,
            row.get::<_, Option<i64>>(4)?,
        ))
    })?;
    let mut letters = Vec::new();
    for row in rows {
        let (id, body, received, last_error, dead_at) = row?;
        letters.push(DeadLetter {
            id: MessageId(id),
            message: serde_json::from_str(&body).ok(),
            body,
            attempts: count(received),
            last_error,
            dead_at: from_nanos(dead_at.unwrap_or_default())?,
        });
    }
    Ok(letters)
}

pub(crate) fn redrive(
    conn: &Connection,
    which: &Redrive,
    now: Timestamp,
) -> Result<usize, LocalError> {
    const BACK: &str = "UPDATE queue_messages
        SET state = 'ready', visible_at = ?1, receive_count = 0, last_error = NULL, dead_at = NULL
        WHERE state = 'dead'";
    let now = to_nanos(now)?;
    let moved = match which {
        Redrive::All => conn.prepare_cached(BACK)?.execute(params![now])?,
        Redrive::Ids(ids) => {
            let mut stmt = conn.prepare_cached(&format!("{BACK} AND id = ?2"))?;
            let mut moved = 0;
            for id in ids {
                moved += stmt.execute(params![now, id.0])?;
            }
            moved
        }
    };
    tracing::info!(moved, "redrove dead letters");
    Ok(moved)
}

pub(crate) fn next_visible_at(conn: &Connection) -> Result<Option<Timestamp>, LocalError> {
    let next: Option<i64> = conn
        .prepare_cached("SELECT MIN(visible_at) FROM queue_messages WHERE state = 'ready'")?
        .query_row([], |row| row.get(0))?;
    next.map(from_nanos).transpose()
}

/// `now + timeout`, refusing a timeout that would not hide the message.
pub(crate) fn visibility_end(
    now: Timestamp,
    timeout: SignedDuration,
) -> Result<Timestamp, LocalError> {
    if timeout <= SignedDuration::ZERO {
        return Err(LocalError::Invalid(format!(
            "visibility timeout must be positive, not {timeout:#}"
        )));
    }
    add(now, timeout)
}
