//! [`LocalTimers`]: durable one-shot timers on the `timers` table. A due
//! timer becomes a queue message: [`LocalTimers::fire_due`] moves every
//! due timer into the queue and deletes it, in one transaction, so a crash
//! neither loses nor duplicates one.

use crate::connection::SharedConnection;
use crate::queue::rows;
use crate::time_codec::{from_nanos, to_nanos};
use crate::LocalError;
use async_trait::async_trait;
use jiff::Timestamp;
use myx_engine::timers::is_valid_timer_name;
use myx_engine::{PortError, TimerSpec, Timers, WorkMessage};
use rusqlite::{params, Connection};
use std::sync::Arc;

/// The timers. Cheap to clone: clones share the connection.
#[derive(Clone)]
pub struct LocalTimers {
    conn: Arc<SharedConnection>,
}

impl LocalTimers {
    pub(crate) fn new(conn: Arc<SharedConnection>) -> Self {
        LocalTimers { conn }
    }

    /// Enqueues every timer due at or before `now`, in due order (ties by
    /// name), each visible from its due time, and deletes them. Returns how
    /// many fired.
    pub async fn fire_due(&self, now: Timestamp) -> Result<usize, LocalError> {
        let now = to_nanos(now)?;
        self.conn.write(move |conn| fire_due(conn, now)).await
    }

    /// When the next timer is due; `None` when none is pending.
    pub async fn next_due_at(&self) -> Result<Option<Timestamp>, LocalError> {
        self.conn
            .read(|conn| {
                let next: Option<i64> = conn
                    .prepare_cached("SELECT MIN(due_at) FROM timers")?
                    .query_row([], |row| row.get(0))?;
                next.map(from_nanos).transpose()
            })
            .await
    }

    /// Every pending timer, in due order.
    pub async fn pending(&self) -> Result<Vec<TimerSpec>, LocalError> {
        self.conn.read(pending).await
    }

    /// Upserts every timer in one write: all of them or none.
    async fn upsert(&self, timers: Vec<TimerSpec>) -> Result<(), LocalError> {
        let mut rows = Vec::with_capacity(timers.len());
        for timer in timers {
            if !is_valid_timer_name(&timer.name) {
                return Err(LocalError::Invalid(format!(
                    "timer name {:?} is not 1 to 64 of [0-9A-Za-z-_.]",
                    timer.name
                )));
            }
            let due_at = to_nanos(timer.due_at)?;
            let body = serde_json::to_string(&timer.message)?;
            rows.push((timer.name, due_at, body));
        }
        self.conn
            .write(move |conn| {
                let mut upsert = conn.prepare_cached(
                    "INSERT INTO timers (name, due_at, body) VALUES (?1, ?2, ?3)
                     ON CONFLICT (name) DO UPDATE SET due_at = excluded.due_at, body = excluded.body",
                )?;
                for (name, due_at, body) in &rows {
                    upsert.execute(params![name, due_at, body])?;
                }
                Ok(())
            })
            .await
    }

    /// Deletes every named timer in one write.
    async fn remove(&self, names: Vec<String>) -> Result<(), LocalError> {
        self.conn
            .write(move |conn| {
                let mut delete = conn.prepare_cached("DELETE FROM timers WHERE name = ?1")?;
                for name in &names {
                    delete.execute(params![name])?;
                }
                Ok(())
            })
            .await
    }
}

fn fire_due(conn: &Connection, now: i64) -> Result<usize, LocalError> {
    let due: Vec<(i64, String)> = conn
        .prepare_cached("SELECT due_at, body FROM timers WHERE due_at <= ?1 ORDER BY due_at, name")?
        .query_map(params![now], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (due_at, body) in &due {
        rows::insert(conn, body, *due_at)?;
    }
    conn.prepare_cached("DELETE FROM timers WHERE due_at <= ?1")?
        .execute(params![now])?;
    if !due.is_empty() {
        tracing::debug!(fired = due.len(), "fired due timers");
    }
    Ok(due.len())
}

fn pending(conn: &Connection) -> Result<Vec<TimerSpec>, LocalError> {
    let mut stmt =
        conn.prepare_cached("SELECT name, due_at, body FROM timers ORDER BY due_at, name")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut timers = Vec::new();
    for row in rows {
        let (name, due_at, body) = row?;
        let message: WorkMessage = serde_json::from_str(&body)
            .map_err(|e| LocalError::Corrupt(format!("timer {name:?}: {e}")))?;
        timers.push(TimerSpec {
            name,
            due_at: from_nanos(due_at)?,
            message,
        });
    }
    Ok(timers)
}

#[async_trait]
impl Timers for LocalTimers {
    /// Replaces any timer of the same name.
    async fn schedule(&self, timer: TimerSpec) -> Result<(), PortError> {
        self.schedule_all(vec![timer]).await
    }

    async fn cancel(&self, name: &str) -> Result<(), PortError> {
        self.cancel_all(vec![name.to_string()]).await
    }

    /// One write for all of them (one job in a group commit).
    async fn schedule_all(&self, timers: Vec<TimerSpec>) -> Result<(), PortError> {
        self.upsert(timers)
            .await
            .map_err(|e| e.into_port_error("timers"))
    }

    async fn cancel_all(&self, names: Vec<String>) -> Result<(), PortError> {
        self.remove(names)
            .await
            .map_err(|e| e.into_port_error("timers"))
    }
}
