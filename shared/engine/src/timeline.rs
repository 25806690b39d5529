//! The enrollment timeline: every decision, with its reason, in time order.

use crate::engine::{Engine, EngineError};
use crate::keys;
use crate::ports::{Condition, Item, QueryOptions, WriteOp};
use crate::records::{from_data, to_data, TimelineEntry, TimelineKind};
use crate::send::{StepState, StepStatus};
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
        condition: Condition::None,
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
    let seq = engine.ids.new_id("tl");
    plan_op_at(tenant, event, contact, at, sends, prefix, &seq)
}

/// [`plan_op`] at sequence id `seq`: the same `seq` writes the same item
/// again (an enrollment's repair rewrites its own).
fn plan_op_at(
    tenant: &str,
    event: &str,
    contact: &str,
    at: jiff::Timestamp,
    sends: &[PlannedSend<'_>],
    prefix: Option<&str>,
    seq: &str,
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
    // Every entry of a plan has the plan's time: stored once, on the item.
    let stored: Vec<PlanEntry> = entries.into_iter().map(PlanEntry::from).collect();
    WriteOp::Put {
        item: Item::new(
            keys::timeline_entry(tenant, event, contact, at, seq),
            serde_json::json!({ "at": at, "plan": stored }),
        ),
        condition: Condition::None,
    }
}

/// `entry` and the plan it led to (`sends`, planned at `entry.at`) as one
/// item at sequence id `seq`: an enrollment's first decision and its plan
/// in one write. `read` shows the entry, then the plan's entries.
pub fn entry_with_plan_op(
    tenant: &str,
    event: &str,
    contact: &str,
    entry: &TimelineEntry,
    sends: &[PlannedSend<'_>],
    seq: &str,
) -> WriteOp {
    let mut op = plan_op_at(tenant, event, contact, entry.at, sends, None, seq);
    if let (WriteOp::Put { item, .. }, serde_json::Value::Object(fields)) =
        (&mut op, to_data(entry))
    {
        if let Some(data) = item.data.as_object_mut() {
            data.extend(fields);
        }
    }
    op
}

/// A planned send as a plan item stores it: a [`TimelineEntry`] whose
/// `at` is the item's (plans written before carry their own).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlanEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<jiff::Timestamp>,
    kind: TimelineKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    channel: Option<myx_core::Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    send_at: Option<jiff::Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl From<TimelineEntry> for PlanEntry {
    fn from(e: TimelineEntry) -> Self {
        PlanEntry {
            at: None,
            kind: e.kind,
            step: e.step,
            channel: e.channel,
            send_at: e.send_at,
            reason: e.reason,
        }
    }
}

impl PlanEntry {
    fn into_entry(self, plan_at: jiff::Timestamp) -> TimelineEntry {
        TimelineEntry {
            at: self.at.unwrap_or(plan_at),
            kind: self.kind,
            step: self.step,
            channel: self.channel,
            send_at: self.send_at,
            reason: self.reason,
        }
    }
}

/// The entries of a stored plan item.
fn plan_entries(item: &Item, plan: &serde_json::Value) -> Result<Vec<TimelineEntry>, EngineError> {
    let undecodable = |e: serde_json::Error| {
        EngineError::Internal(format!("a timeline plan does not decode: {e}"))
    };
    let at: jiff::Timestamp = item
        .data
        .get("at")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(undecodable)?
        .ok_or_else(|| EngineError::Internal("a timeline plan has no time".into()))?;
    let stored: Vec<PlanEntry> = serde_json::from_value(plan.clone()).map_err(undecodable)?;
    Ok(stored.into_iter().map(|e| e.into_entry(at)).collect())
}

/// The whole timeline of (event, contact), oldest first: the decisions
/// recorded in its `TL#` items, and each step sent, read off the step's
/// state (which says when and through whom; a send writes no entry of its
/// own, so it costs one write fewer). One query reads both: they share the
/// enrollment's partition.
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
            .query(&pk, &QueryOptions::prefix("").limit(500).after(after))
            .await?;
        for item in &page.items {
            if item.key.sk.starts_with(keys::TIMELINE_PREFIX) {
                match item.data.get("plan") {
                    Some(plan) => {
                        // A plan item may carry the decision it came with.
                        if item.data.get("kind").is_some() {
                            out.push(from_data::<TimelineEntry>(item)?);
                        }
                        out.extend(plan_entries(item, plan)?)
                    }
                    None => out.push(from_data::<TimelineEntry>(item)?),
                }
            } else if let Some(step) = item.key.sk.strip_prefix(keys::STEP_PREFIX) {
                out.extend(sent_entry(item, step)?);
            }
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    // At one instant (a virtual clock has many), the decisions come before
    // the sends they led to. The sort is stable: entries of one plan keep
    // their order.
    out.sort_by_key(|e| (e.at, e.kind == TimelineKind::Sent));
    Ok(out)
}

/// The `sent` entry of a step state (`rest` is its key after `STEP#`:
/// `<step>#<channel>`); none while it is claimed or when the provider
/// refused it. A failure writes its own entry, with the error: after the
/// `sent` one when the message went out and then bounced.
fn sent_entry(item: &Item, rest: &str) -> Result<Option<TimelineEntry>, EngineError> {
    let state: StepState = from_data(item)?;
    let went_out = match state.status {
        StepStatus::Sent => true,
        StepStatus::Failed => state.provider_id.is_some(),
        StepStatus::Claimed => false,
    };
    if !went_out {
        return Ok(None);
    }
    let (step, channel) = rest
        .rsplit_once('#')
        .ok_or_else(|| EngineError::Internal(format!("step state key {:?}", item.key.sk)))?;
    let channel: myx_core::Channel = channel
        .parse()
        .map_err(|e| EngineError::Internal(format!("step state key {:?}: {e}", item.key.sk)))?;
    Ok(Some(TimelineEntry {
        at: state.claimed_at,
        kind: TimelineKind::Sent,
        step: Some(step.to_string()),
        channel: Some(channel),
        send_at: Some(state.claimed_at),
        reason: Some(format!(
            "via {}",
            state.provider.as_deref().unwrap_or("unknown provider")
        )),
    }))
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

#[cfg(test)]
mod tests {
    use super::plan_entries;
    use crate::ports::{Item, Key};
    use crate::records::{TimelineEntry, TimelineKind};
    use serde_json::json;

    fn plan_item(plan: serde_json::Value) -> Item {
        Item::new(
            Key::new("T#t#ENR#e#c", "TL#x"),
            json!({"at": "2026-12-01T10:00:00Z", "plan": plan}),
        )
    }

    #[test]
    fn plan_entries_take_the_plan_time_unless_they_carry_their_own() {
        let item = plan_item(json!([
            {"kind": "planned", "step": "welcome", "channel": "email", "sendAt": "2026-12-01T10:00:02Z"},
            // As plans were stored before entries shed their own time.
            {"at": "2026-11-30T09:00:00Z", "kind": "skipped", "step": "sms-1", "channel": "sms", "reason": "no_consent"},
        ]));
        let plan = item.data.get("plan").cloned().unwrap();
        let entries = plan_entries(&item, &plan).unwrap();
        assert_eq!(
            entries,
            [
                TimelineEntry {
                    at: "2026-12-01T10:00:00Z".parse().unwrap(),
                    kind: TimelineKind::Planned,
                    step: Some("welcome".into()),
                    channel: Some(myx_core::Channel::Email),
                    send_at: Some("2026-12-01T10:00:02Z".parse().unwrap()),
                    reason: None,
                },
                TimelineEntry {
                    at: "2026-11-30T09:00:00Z".parse().unwrap(),
                    kind: TimelineKind::Skipped,
                    step: Some("sms-1".into()),
                    channel: Some(myx_core::Channel::Sms),
                    send_at: None,
                    reason: Some("no_consent".into()),
                },
            ]
        );
    }

    #[test]
    fn a_plan_without_a_time_or_with_bad_entries_is_an_error_not_a_guess() {
        let mut item = plan_item(json!([]));
        item.data.as_object_mut().unwrap().remove("at");
        assert!(plan_entries(&item, &json!([])).is_err());
        let item = plan_item(json!([{"kind": "exploded"}]));
        let plan = item.data.get("plan").cloned().unwrap();
        assert!(plan_entries(&item, &plan).is_err());
    }
}
