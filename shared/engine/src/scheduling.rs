//! Turning plans into timers. Two kinds, as in the architecture:
//! - event-anchored: one timer per (event, `before_event` step), fanned out
//!   to registrants when it fires; moving an event moves a handful of timers;
//! - contact-anchored: one timer per (enrollment, step, channel) for every
//!   send whose time is the contact's own (after registration, compressed,
//!   deferred by quiet hours, local wall-clock times, post-event sends).
//!
//! Sends due within the queue horizon skip the timer and go to the queue with
//! a delay. Timer names are deterministic, so scheduling again replaces.

use crate::engine::{Engine, EngineError};
use crate::keys::sha256_hex;
use crate::ports::{TimerSpec, WorkMessage};
use crate::records::EventRecord;
use jiff::Timestamp;
use myx_core::funnel::{Phase, SendRule};
use myx_core::{Channel, Funnel, PlannedSend};

pub fn event_step_timer_name(tenant: &str, event: &str, step: &str) -> String {
    let h = sha256_hex(&format!("{tenant}\u{0}{event}\u{0}{step}"));
    format!("es-{}", &h[..40])
}

pub fn contact_step_timer_name(
    tenant: &str,
    event: &str,
    contact: &str,
    step: &str,
    channel: Channel,
) -> String {
    let h = sha256_hex(&format!(
        "{tenant}\u{0}{event}\u{0}{contact}\u{0}{step}\u{0}{channel}"
    ));
    format!("cs-{}", &h[..40])
}

/// A send the event-level timer delivers (so it needs no timer of its own).
pub fn covered_by_event_timer(send: &PlannedSend<'_>) -> bool {
    send.phase == Phase::PreEvent
        && matches!(send.step.send, SendRule::BeforeEvent(_))
        && send.send_at == Some(send.nominal_at)
}

/// A queue delay in whole seconds, rounded *up*: a send due in 0.4 s must not
/// be delivered now (it would be found early and deferred again, forever).
pub fn delay_seconds(wait: jiff::SignedDuration) -> u32 {
    if wait <= jiff::SignedDuration::ZERO {
        return 0;
    }
    let whole = wait.as_secs() + i64::from(wait.subsec_nanos() > 0);
    u32::try_from(whole).unwrap_or(u32::MAX).min(900)
}

/// Delivers `message` at `due_at`: through the queue when close, else a timer.
pub async fn dispatch(
    engine: &Engine,
    name: String,
    due_at: Timestamp,
    message: WorkMessage,
) -> Result<(), EngineError> {
    let now = engine.clock.now();
    let wait = due_at.duration_since(now);
    if wait <= engine.config.queue_delay_horizon {
        let delay = delay_seconds(wait);
        engine.queue.enqueue(vec![message], delay).await?;
        // A timer of the same name from an earlier plan must not fire too.
        engine.timers.cancel(&name).await?;
    } else {
        engine
            .timers
            .schedule(TimerSpec {
                name,
                due_at,
                message,
            })
            .await?;
    }
    Ok(())
}

/// Timers for the event's `before_event` steps that are still ahead.
pub async fn schedule_event_timers(
    engine: &Engine,
    tenant: &str,
    event: &EventRecord,
    funnel: &Funnel,
) -> Result<(), EngineError> {
    let now = engine.clock.now();
    for step in &funnel.pre_event {
        let SendRule::BeforeEvent(d) = step.send else {
            continue;
        };
        let Ok(due) = event.starts_at.checked_sub(d.as_signed()) else {
            continue;
        };
        let name = event_step_timer_name(tenant, &event.id, &step.id);
        if due < now {
            engine.timers.cancel(&name).await?;
            continue;
        }
        let message = WorkMessage::EventStep {
            tenant: tenant.to_string(),
            event: event.id.clone(),
            step: step.id.clone(),
            schedule_version: event.schedule_version,
        };
        dispatch(engine, name, due, message).await?;
    }
    Ok(())
}

/// Cancels every event-level timer of the event.
pub async fn cancel_event_timers(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    funnel: &Funnel,
) -> Result<(), EngineError> {
    for step in &funnel.pre_event {
        engine
            .timers
            .cancel(&event_step_timer_name(tenant, event_id, &step.id))
            .await?;
    }
    Ok(())
}

/// The least queue delay of a new enrollment's sends. They are queued
/// before the enrollment writes its registration (so that a crash between
/// leaves no registration without its sends); the delay lets that write
/// land first. A worker that still arrives early retries (see `send`).
pub const FRESH_QUEUE_DELAY_SECONDS: u32 = 2;

/// Timers (or queue messages) for one contact's own sends in `sends`.
/// `fresh`: the enrollment has no timers yet, so nothing needs cancelling.
/// The writes are issued together so the store can commit them as a group.
pub async fn schedule_contact_sends(
    engine: &Engine,
    tenant: &str,
    event: &EventRecord,
    contact_id: &str,
    sends: &[PlannedSend<'_>],
    fresh: bool,
) -> Result<(), EngineError> {
    let now = engine.clock.now();
    let mut queued: Vec<(u32, WorkMessage)> = Vec::new();
    let mut timers = Vec::new();
    let mut cancels = Vec::new();
    for s in sends {
        let name = contact_step_timer_name(tenant, &event.id, contact_id, &s.step.id, s.channel);
        match s.send_at {
            Some(at) if s.status.is_kept() && !covered_by_event_timer(s) => {
                let message = WorkMessage::ContactStep {
                    tenant: tenant.to_string(),
                    event: event.id.clone(),
                    contact: contact_id.to_string(),
                    step: s.step.id.clone(),
                    channel: s.channel,
                    schedule_version: event.schedule_version,
                };
                let wait = at.duration_since(now);
                if wait <= engine.config.queue_delay_horizon {
                    let delay = match fresh {
                        true => delay_seconds(wait).max(FRESH_QUEUE_DELAY_SECONDS),
                        false => delay_seconds(wait),
                    };
                    queued.push((delay, message));
                    if !fresh {
                        cancels.push(name);
                    }
                } else {
                    timers.push(TimerSpec {
                        name,
                        due_at: at,
                        message,
                    });
                }
            }
            _ if !fresh => cancels.push(name),
            _ => {}
        }
    }
    queued.sort_by_key(|(delay, _)| *delay);
    let mut batches: Vec<(u32, Vec<WorkMessage>)> = Vec::new();
    for (delay, message) in queued {
        match batches.last_mut() {
            Some((d, batch)) if *d == delay => batch.push(message),
            _ => batches.push((delay, vec![message])),
        }
    }
    let enqueues = batches
        .into_iter()
        .map(|(delay, batch)| engine.queue.enqueue(batch, delay));
    futures_util::future::try_join_all(enqueues).await?;
    futures_util::future::try_join_all(timers.into_iter().map(|t| engine.timers.schedule(t)))
        .await?;
    futures_util::future::try_join_all(cancels.iter().map(|n| engine.timers.cancel(n))).await?;
    Ok(())
}

/// Cancels every contact-level timer of one enrollment.
pub async fn cancel_contact_timers(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    contact_id: &str,
    funnel: &Funnel,
    only: Option<Channel>,
) -> Result<(), EngineError> {
    for (_, step) in funnel.steps() {
        for &channel in &step.channels {
            if only.is_some_and(|c| c != channel) {
                continue;
            }
            engine
                .timers
                .cancel(&contact_step_timer_name(
                    tenant, event_id, contact_id, &step.id, channel,
                ))
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::delay_seconds;
    use jiff::SignedDuration;

    #[test]
    fn delays_round_up_so_early_work_is_never_delivered_early() {
        assert_eq!(delay_seconds(SignedDuration::from_millis(400)), 1);
        assert_eq!(delay_seconds(SignedDuration::from_secs(5)), 5);
        assert_eq!(delay_seconds(SignedDuration::from_millis(5_001)), 6);
        assert_eq!(delay_seconds(SignedDuration::ZERO), 0);
        assert_eq!(delay_seconds(SignedDuration::from_secs(-3)), 0);
        assert_eq!(delay_seconds(SignedDuration::from_hours(2)), 900);
    }
}
