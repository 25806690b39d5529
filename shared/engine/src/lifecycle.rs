//! Admin: what happens to an event after it is created. Reschedule
//! (re-plan everyone; nothing already sent is sent again, because step
//! claims persist), record attendance, complete (post-event branches start),
//! cancel (pending sends stop; registrants get the cancellation notice).

use crate::engine::{Engine, EngineError};
use crate::events::get_event;
use crate::keys::{self, normalize_email, sha256_hex};
use crate::ports::{Condition, Item, Key, WorkMessage, WriteOp};
use crate::reads::for_each_registration;
use crate::records::*;
use crate::request::Fields;
use crate::{funnels, scheduling, timeline};
use myx_core::funnel::Phase;
use myx_core::plan;
use myx_core::Funnel;
use serde_json::Value;
use std::sync::Arc;

/// Writes the event back if nobody changed it meanwhile.
async fn save_event(
    engine: &Engine,
    tenant: &str,
    event: &EventRecord,
    read_version: u64,
) -> Result<(), EngineError> {
    let mut item = Item::new(keys::event(tenant, &event.id), to_data(event)).with_gsi1(Key::new(
        keys::events_index(tenant),
        format!("{}#{}", event.starts_at, event.id),
    ));
    item.version = read_version + 1;
    engine
        .store
        .put(item, Condition::VersionIs(read_version))
        .await
        .map_err(|e| match e {
            crate::ports::StoreError::ConditionFailed(_) => {
                EngineError::Unavailable("the event changed at the same moment; retry".into())
            }
            other => other.into(),
        })
}

/// Ends a scheduled event (completed or cancelled) and removes its
/// event-level timers; returns the event and its pinned funnel.
async fn close_event(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    status: EventStatus,
) -> Result<(EventRecord, Arc<Funnel>), EngineError> {
    let (mut event, read_version) = get_event(engine, tenant, event_id).await?;
    require_scheduled(&event)?;
    event.status = status;
    save_event(engine, tenant, &event, read_version).await?;
    let funnel =
        funnels::funnel_version(engine, tenant, &event.funnel_id, event.funnel_version).await?;
    scheduling::cancel_event_timers(engine, tenant, event_id, &funnel).await?;
    Ok((event, funnel))
}

fn require_scheduled(event: &EventRecord) -> Result<(), EngineError> {
    match event.status {
        EventStatus::Scheduled => Ok(()),
        EventStatus::Cancelled => Err(EngineError::Unprocessable(
            "the event has been cancelled".into(),
        )),
        EventStatus::Completed => Err(EngineError::Unprocessable(
            "the event has already completed".into(),
        )),
    }
}

/// `PATCH /v1/events/{id}`: `startsAt` / `endsAt` reschedule (everyone is
/// re-planned); `replayUrl` sets the recording link (usually after the event).
pub async fn update(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    body: &Value,
) -> Result<EventRecord, EngineError> {
    let mut f = Fields::of(body).map_err(|e| EngineError::Validation(vec![e]))?;
    f.reject_unknown(&["startsAt", "endsAt", "replayUrl"]);
    let starts = f.opt_time("startsAt");
    let ends = f.opt_time("endsAt");
    let replay_url = f.opt_str("replayUrl", 2000);
    if replay_url
        .as_ref()
        .is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://")))
    {
        f.error("replayUrl", "must be an http(s) URL");
    }
    if starts.is_none() && ends.is_none() && replay_url.is_none() && f.errors.is_empty() {
        f.error("startsAt", "give startsAt, endsAt or replayUrl");
    }
    let (mut event, read_version) = get_event(engine, tenant, event_id).await?;
    if event.status == EventStatus::Cancelled {
        return Err(EngineError::Unprocessable(
            "the event has been cancelled".into(),
        ));
    }
    if replay_url.is_some() {
        event.replay_url = replay_url;
    }
    if starts.is_none() && ends.is_none() {
        f.into_result(()).map_err(EngineError::Validation)?;
        save_event(engine, tenant, &event, read_version).await?;
        return Ok(event);
    }
    require_scheduled(&event)?;
    let new_start = starts.unwrap_or(event.starts_at);
    let new_end = ends.unwrap_or(event.ends_at);
    if new_end <= new_start {
        f.error("endsAt", "must be after startsAt");
    }
    if new_end <= engine.clock.now() {
        f.error("endsAt", "is in the past");
    }
    f.into_result(()).map_err(EngineError::Validation)?;
    event.starts_at = new_start;
    event.ends_at = new_end;
    event.schedule_version += 1;
    save_event(engine, tenant, &event, read_version).await?;
    let funnel =
        funnels::funnel_version(engine, tenant, &event.funnel_id, event.funnel_version).await?;
    scheduling::schedule_event_timers(engine, tenant, &event, &funnel).await?;
    let now = engine.clock.now();
    let window = event.window();
    for_each_registration(engine, tenant, event_id, |reg| {
        let event = &event;
        let funnel = &funnel;
        async move {
            let Some(registration) = reg.planner_input() else {
                return Ok(());
            };
            let p = plan(funnel, window, &registration, None)
                .map_err(|e| EngineError::Internal(e.to_string()))?;
            scheduling::schedule_contact_sends(
                engine,
                tenant,
                event,
                &reg.contact_id,
                &p.sends,
                false,
            )
            .await?;
            let op = timeline::plan_op(
                engine,
                tenant,
                &event.id,
                &reg.contact_id,
                now,
                &p.sends,
                Some("rescheduled"),
            );
            engine.store.transact(vec![op]).await?;
            Ok(())
        }
    })
    .await?;
    Ok(event)
}

/// `POST /v1/events/{id}/attendance` with `{"emails": [...]}`: marks those
/// registrants as attended. Returns how many were matched.
pub async fn record_attendance(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    body: &Value,
) -> Result<Value, EngineError> {
    let emails = body
        .get("emails")
        .and_then(Value::as_array)
        .ok_or_else(|| EngineError::field("emails", "must be a list of email addresses"))?;
    if emails.len() > 10_000 {
        return Err(EngineError::field("emails", "at most 10000 per request"));
    }
    let (event, _) = get_event(engine, tenant, event_id).await?;
    if event.status == EventStatus::Cancelled {
        return Err(EngineError::Unprocessable(
            "the event has been cancelled".into(),
        ));
    }
    let (mut matched, mut unknown) = (0u64, 0u64);
    for e in emails {
        let Some(email) = e.as_str() else {
            return Err(EngineError::field("emails", "every entry must be a string"));
        };
        if mark_attended(engine, tenant, event_id, &normalize_email(email)).await? {
            matched += 1;
        } else {
            unknown += 1;
        }
    }
    Ok(serde_json::json!({"matched": matched, "unknown": unknown}))
}

/// Marks one registrant (by normalised email) attended; false if not registered.
pub async fn mark_attended(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    email: &str,
) -> Result<bool, EngineError> {
    let Some(contact_id) = contact_of_email(engine, tenant, email).await? else {
        return Ok(false);
    };
    let marked =
        mark_contact_attended(engine, tenant, event_id, &contact_id, Decided::Overwrite).await?;
    Ok(marked != Marked::NotRegistered)
}

/// The contact with this normalised email, if any.
pub async fn contact_of_email(
    engine: &Engine,
    tenant: &str,
    email: &str,
) -> Result<Option<String>, EngineError> {
    let idx = engine
        .store
        .get(&keys::contact_by_email(tenant, &sha256_hex(email)))
        .await?;
    Ok(idx.and_then(|i| {
        i.data
            .get("contactId")
            .and_then(Value::as_str)
            .map(str::to_string)
    }))
}

/// What to do with a registrant already decided a no-show (whose
/// post-event branch has started).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    /// The operator says so: attended.
    Overwrite,
    /// A late report (a webhook after the branches started): leave it.
    Keep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marked {
    /// Attended now (or already).
    Attended,
    /// No registration for this contact and event.
    NotRegistered,
    /// Already a no-show, kept ([`Decided::Keep`]).
    KeptNoShow,
}

/// Marks one registrant (by contact) attended.
pub async fn mark_contact_attended(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    contact_id: &str,
    decided: Decided,
) -> Result<Marked, EngineError> {
    let key = keys::registration(tenant, event_id, contact_id);
    let Some(item) = engine.store.get(&key).await? else {
        return Ok(Marked::NotRegistered);
    };
    let mut reg: RegistrationRecord = from_data(&item)?;
    match (reg.attendance, decided) {
        (Attendance::Attended, _) => return Ok(Marked::Attended),
        (Attendance::NoShow, Decided::Keep) => return Ok(Marked::KeptNoShow),
        _ => {}
    }
    reg.attendance = Attendance::Attended;
    let mut next = Item::new(key, to_data(&reg));
    next.version = item.version + 1;
    let entry = TimelineEntry {
        at: engine.clock.now(),
        kind: TimelineKind::Attendance,
        step: None,
        channel: None,
        send_at: None,
        reason: Some("attended".into()),
    };
    engine
        .store
        .transact(vec![
            WriteOp::Put {
                item: next,
                condition: Condition::VersionIs(item.version),
            },
            timeline::append_op(engine, tenant, event_id, contact_id, &entry),
        ])
        .await?;
    Ok(Marked::Attended)
}

/// `POST /v1/events/{id}/complete`: everyone not marked attended is a
/// no-show; each registrant's post-event branch starts.
pub async fn complete(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
) -> Result<EventRecord, EngineError> {
    let (event, funnel) = close_event(engine, tenant, event_id, EventStatus::Completed).await?;
    start_branches(engine, tenant, &event, &funnel).await?;
    Ok(event)
}

/// Completes the event now and starts the post-event branches `delay`
/// later (at most 15 minutes, the queue's limit), from the queue: until
/// then, attendance can still be recorded. The branches are queued before
/// the event is closed, so a failure in between leaves a scheduled event
/// (the queued work finds it not completed and does nothing) rather than a
/// completed one whose branches never start.
pub async fn complete_after(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    delay: jiff::SignedDuration,
) -> Result<EventRecord, EngineError> {
    let (event, _) = get_event(engine, tenant, event_id).await?;
    require_scheduled(&event)?;
    let delay_seconds = u32::try_from(delay.as_secs().clamp(0, 900)).unwrap_or(900);
    engine
        .queue
        .enqueue(
            vec![WorkMessage::PostEventBranches {
                tenant: tenant.to_string(),
                event: event_id.to_string(),
            }],
            delay_seconds,
        )
        .await?;
    let (event, _funnel) = close_event(engine, tenant, event_id, EventStatus::Completed).await?;
    Ok(event)
}

/// The queued half of [`complete_after`]: starts the branches if the event
/// did complete.
pub async fn start_branches_if_completed(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
) -> Result<(), EngineError> {
    let event = match get_event(engine, tenant, event_id).await {
        Ok((event, _)) => event,
        Err(EngineError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    if event.status != EventStatus::Completed {
        tracing::info!(
            tenant,
            event = event_id,
            "post-event branches not started: the event is not completed"
        );
        return Ok(());
    }
    let funnel =
        funnels::funnel_version(engine, tenant, &event.funnel_id, event.funnel_version).await?;
    start_branches(engine, tenant, &event, &funnel).await
}

/// Everyone not marked attended becomes a no-show; each registrant's
/// post-event branch starts: planned on it, with a timer of their own for
/// a send the planner moved off its event-anchored time. The event's
/// post-event timers are set first, so that a failure half-way loses no
/// event-anchored send (a registrant not yet marked is a no-show to the
/// fan-out as well).
async fn start_branches(
    engine: &Engine,
    tenant: &str,
    event: &EventRecord,
    funnel: &Funnel,
) -> Result<(), EngineError> {
    scheduling::schedule_post_event_timers(engine, tenant, event, funnel).await?;
    let now = engine.clock.now();
    let event_id = event.id.as_str();
    for_each_registration(engine, tenant, event_id, |mut reg| async move {
        let mut writes = Vec::with_capacity(2);
        if reg.attendance == Attendance::Unknown {
            reg.attendance = Attendance::NoShow;
            let key = keys::registration(tenant, event_id, &reg.contact_id);
            writes.push(WriteOp::Put {
                item: Item::new(key, to_data(&reg)),
                condition: Condition::Exists,
            });
        }
        writes.extend(start_branch(engine, tenant, event, funnel, &reg, now).await?);
        engine.store.write_each(writes).await?;
        Ok(())
    })
    .await?;
    Ok(())
}

/// One registrant's post-event branch: planned on it, with a timer of
/// their own for each send the planner moved off its event-anchored time.
/// Returns the plan's timeline write (`None` for a registration whose
/// stored zone the time-zone database no longer knows).
pub async fn start_branch(
    engine: &Engine,
    tenant: &str,
    event: &EventRecord,
    funnel: &Funnel,
    reg: &RegistrationRecord,
    now: jiff::Timestamp,
) -> Result<Option<WriteOp>, EngineError> {
    let Some(registration) = reg.planner_input() else {
        return Ok(None);
    };
    let p = plan(funnel, event.window(), &registration, Some(reg.branch()))
        .map_err(|e| EngineError::Internal(e.to_string()))?;
    let post: Vec<_> = p
        .sends
        .into_iter()
        .filter(|s| s.phase != Phase::PreEvent)
        .collect();
    scheduling::schedule_contact_sends(engine, tenant, event, &reg.contact_id, &post, true).await?;
    Ok(Some(timeline::plan_op(
        engine,
        tenant,
        &event.id,
        &reg.contact_id,
        now,
        &post,
        None,
    )))
}

/// `POST /v1/events/{id}/cancel`: stops every pending send and queues the
/// cancellation notice for each registrant.
pub async fn cancel(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
) -> Result<EventRecord, EngineError> {
    let (event, funnel) = close_event(engine, tenant, event_id, EventStatus::Cancelled).await?;
    let now = engine.clock.now();
    for_each_registration(engine, tenant, event_id, |reg| {
        let funnel = &funnel;
        async move {
            scheduling::cancel_contact_timers(
                engine,
                tenant,
                event_id,
                &reg.contact_id,
                funnel,
                None,
            )
            .await?;
            let entry = TimelineEntry {
                at: now,
                kind: TimelineKind::Cancelled,
                step: None,
                channel: None,
                send_at: None,
                reason: Some("event_cancelled: pending sends cancelled".into()),
            };
            timeline::append(engine, tenant, event_id, &reg.contact_id, entry).await?;
            engine
                .queue
                .enqueue(
                    vec![WorkMessage::Notice {
                        tenant: tenant.to_string(),
                        event: event_id.to_string(),
                        contact: reg.contact_id.clone(),
                        notice: crate::ports::Notice::Cancellation,
                    }],
                    0,
                )
                .await?;
            Ok(())
        }
    })
    .await?;
    Ok(event)
}
