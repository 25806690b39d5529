//! The enrollment timeline: every decision, with its reason, in time order.

use crate::engine::{Engine, EngineError};
use crate::keys;
use crate::ports::{Condition, Item, QueryOptions, WriteOp};
use crate::records::{from_data, to_data, TimelineEntry, TimelineKind};
use myx_core::planner::Status;
use myx_core::PlannedSend;

/// A write op appending `entry` to the timeline of (event, contact).
pub fn append_op(
    engine: &Engine,
    tenant: &str,
    event: &str,
    contact: &str,
    entry: &TimelineEntry,
) -> WriteOp {
    let seq = engine.ids.new_id("tl");
    WriteOp::Put {
        item: Item::new(
            keys::timeline_entry(tenant, event, contact, entry.at, &seq),
            to_data(entry),
        ),
        condition: Condition::NotExists,
    }
}

pub async fn append(
    engine: &Engine,
    tenant: &str,
    event: &str,
    contact: &str,
    entry: TimelineEntry,
) -> Result<(), EngineError> {
    let op = append_op(engine, tenant, event, contact, &entry);
    engine.store.transact(vec![op]).await?;
    Ok(())
}

/// The timeline entry for one planned send.
pub fn planned_entry(at: jiff::Timestamp, send: &PlannedSend<'_>) -> TimelineEntry {
    let kind = match send.status {
        Status::Skipped => TimelineKind::Skipped,
        Status::Scheduled | Status::Conditional | Status::Pending => TimelineKind::Planned,
    };
    let reason = match (send.status, send.reason) {
        (_, Some(r)) => Some(r.as_str().to_string()),
        (Status::Conditional, _) => Some("conditional: decided at send time".to_string()),
        (Status::Pending, _) => Some("pending: waits for attendance".to_string()),
        _ => None,
    };
    TimelineEntry {
        at,
        kind,
        step: Some(send.step.id.clone()),
        channel: Some(send.channel),
        send_at: send.send_at,
        reason,
    }
}

/// One write op recording a whole plan: one entry per planned send, with
/// `prefix` (e.g. "rescheduled") put before each reason. A plan is one
/// decision, so it is one item; `read` expands it into its entries.
pub fn plan_op(
    engine: &Engine,
    tenant: &str,
    event: &str,
    contact: &str,
    at: jiff::Timestamp,
    sends: &[PlannedSend<'_>],
    prefix: Option<&str>,
) -> WriteOp {
    let entries: Vec<TimelineEntry> = sends
        .iter()
        .map(|s| {
            let mut entry = planned_entry(at, s);
            if let Some(p) = prefix {
                entry.reason = Some(match entry.reason {
                    Some(r) => format!("{p}: {r}"),
                    None => p.to_string(),
                });
            }
            entry
        })
        .collect();
    let seq = engine.ids.new_id("tl");
    WriteOp::Put {
        item: Item::new(
            keys::timeline_entry(tenant, event, contact, at, &seq),
            serde_json::json!({ "at": at, "plan": entries }),
        ),
        condition: Condition::NotExists,
    }
}

/// The whole timeline of (event, contact), oldest first.
pub async fn read(
    engine: &Engine,
    tenant: &str,
    event: &str,
    contact: &str,
) -> Result<Vec<TimelineEntry>, EngineError> {
    let pk = keys::enrollment_pk(tenant, event, contact);
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = engine
            .store
            .query(
                &pk,
                &QueryOptions::prefix(keys::TIMELINE_PREFIX)
                    .limit(500)
                    .after(after),
            )
            .await?;
        for item in &page.items {
            match item.data.get("plan") {
                Some(plan) => out.extend(
                    serde_json::from_value::<Vec<TimelineEntry>>(plan.clone()).map_err(|e| {
                        EngineError::Internal(format!("a timeline plan does not decode: {e}"))
                    })?,
                ),
                None => out.push(from_data::<TimelineEntry>(item)?),
            }
        }
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

/// (event id, contact id, entries) for an enrollment id, or 404.
pub async fn for_enrollment(
    engine: &Engine,
    tenant: &str,
    enrollment_id: &str,
) -> Result<(String, String, Vec<TimelineEntry>), EngineError> {
    let item = engine
        .store
        .get(&keys::enrollment_by_id(tenant, enrollment_id))
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("enrollment {enrollment_id}")))?;
    let r: crate::records::EnrollmentRef = from_data(&item)?;
    let entries = read(engine, tenant, &r.event_id, &r.contact_id).await?;
    Ok((r.event_id, r.contact_id, entries))
}
