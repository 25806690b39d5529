//! Turning plans into timers. Two kinds, as in the architecture:
//! - event-anchored: one timer per (event, `before_event` step), fanned out
//!   to registrants when it fires; moving an event moves a handful of timers;
//!   likewise one per (event, `after_event_end` step), set when the
//!   post-event branches start and fanned out to the registrants of the
//!   step's branch;
//! - contact-anchored: one timer per (enrollment, step, channel) for every
//!   send whose time is the contact's own (after registration, compressed,
//!   deferred by quiet hours or a minimum gap, local wall-clock times).
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

/// `cs-{contact}-{hash}`. The contact id leads (when it fits a timer name)
/// so that one contact's timers sort together and a new contact's (ids are
/// time-ordered) sort after everyone else's: a store that indexes timers by
/// name appends them instead of touching a random index page per timer,
/// which was the largest share of the local store's writes per enrollment.
/// The hash of the whole identity keeps names unique; ids that do not fit
/// fall back to the hash alone.
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
    let fits = contact.len() <= CONTACT_PREFIX_MAX
        && contact
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if fits {
        format!("cs-{contact}-{}", &h[..24])
    } else {
        format!("cs-{}", &h[..40])
    }
}

/// The longest contact id a timer name carries: `cs-` + id + `-` + 24 hex
/// stays within the scheduler's 64 characters (`con_` + 32 hex is 36).
const CONTACT_PREFIX_MAX: usize = 64 - 3 - 1 - 24;

/// A send the event-level timer delivers (so it needs no timer of its own).
pub fn covered_by_event_timer(send: &PlannedSend<'_>) -> bool {
    let event_anchored = match send.phase {
        Phase::PreEvent => matches!(send.step.send, SendRule::BeforeEvent(_)),
        Phase::PostEvent(_) => matches!(send.step.send, SendRule::AfterEventEnd(_)),
    };
    event_anchored && send.send_at == Some(send.nominal_at)
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
        dispatch(
            engine,
            name,
            due,
            event_step_message(tenant, event, &step.id),
        )
        .await?;
    }
    Ok(())
}

/// What an event-level timer delivers: the step's first fan-out page.
fn event_step_message(tenant: &str, event: &EventRecord, step_id: &str) -> WorkMessage {
    WorkMessage::EventStep {
        tenant: tenant.to_string(),
        event: event.id.clone(),
        step: step_id.to_string(),
        schedule_version: event.schedule_version,
        after: None,
    }
}

/// Timers for the event's `after_event_end` steps, of both branches: set
/// once the branches start (everyone's attendance is decided by then). A
/// step already due (the event was completed late) is queued now.
pub async fn schedule_post_event_timers(
    engine: &Engine,
    tenant: &str,
    event: &EventRecord,
    funnel: &Funnel,
) -> Result<(), EngineError> {
    let steps = funnel
        .post_event
        .attended
        .iter()
        .chain(&funnel.post_event.no_show);
    for step in steps {
        let SendRule::AfterEventEnd(d) = step.send else {
            continue;
        };
        let Ok(due) = event.ends_at.checked_add(d.as_signed()) else {
            continue;
        };
        let name = event_step_timer_name(tenant, &event.id, &step.id);
        dispatch(
            engine,
            name,
            due,
            event_step_message(tenant, event, &step.id),
        )
        .await?;
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
    let names = funnel
        .pre_event
        .iter()
        .map(|step| event_step_timer_name(tenant, event_id, &step.id))
        .collect();
    engine.timers.cancel_all(names).await?;
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
    let queued = futures_util::future::try_join_all(enqueues);
    let timers = async {
        match timers.is_empty() {
            true => Ok(()),
            false => engine.timers.schedule_all(timers).await,
        }
    };
    let cancels = async {
        match cancels.is_empty() {
            true => Ok(()),
            false => engine.timers.cancel_all(cancels).await,
        }
    };
    futures_util::future::try_join3(queued, timers, cancels).await?;
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
    let names: Vec<String> = funnel
        .steps()
        .flat_map(|(_, step)| step.channels.iter().map(move |&channel| (step, channel)))
        .filter(|(_, channel)| only.is_none_or(|c| c == *channel))
        .map(|(step, channel)| {
            contact_step_timer_name(tenant, event_id, contact_id, &step.id, channel)
        })
        .collect();
    engine.timers.cancel_all(names).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{contact_step_timer_name, delay_seconds, event_step_timer_name};
    use crate::timers::is_valid_timer_name;
    use jiff::SignedDuration;
    use myx_core::Channel;

    const CONTACT: &str = "con_01a2338431df75f6aee1c92b1d7012d8";

    #[test]
    fn contact_timer_names_lead_with_the_contact_and_stay_unique() {
        let name = |tenant, event, contact, step, channel| {
            contact_step_timer_name(tenant, event, contact, step, channel)
        };
        let a = name("t", "evt_1", CONTACT, "welcome", Channel::Email);
        assert!(a.starts_with(&format!("cs-{CONTACT}-")), "{a}");
        assert_eq!(a.len(), 64);
        let others = [
            name("t", "evt_1", CONTACT, "welcome", Channel::Sms),
            name("t", "evt_1", CONTACT, "reminder", Channel::Email),
            name("t", "evt_2", CONTACT, "welcome", Channel::Email),
            name("u", "evt_1", CONTACT, "welcome", Channel::Email),
        ];
        for other in &others {
            assert_ne!(&a, other);
            assert!(other.starts_with(&format!("cs-{CONTACT}-")), "{other}");
        }
        // Deterministic: scheduling again replaces, cancelling finds it.
        assert_eq!(a, name("t", "evt_1", CONTACT, "welcome", Channel::Email));
        // A later contact's timers sort after an earlier one's.
        let later = name(
            "t",
            "evt_1",
            "con_01a2338431df75f6aee1c92b1d7012d9",
            "a",
            Channel::Email,
        );
        assert!(later > a && later > others[1]);
    }

    #[test]
    fn ids_that_do_not_fit_a_name_fall_back_to_the_hash() {
        for contact in ["c".repeat(37), "con with spaces".into(), "con/1".into()] {
            let n = contact_step_timer_name("t", "e", &contact, "s", Channel::Email);
            assert!(is_valid_timer_name(&n), "{n}");
            assert_eq!(n.len(), 43, "{n}");
        }
        for n in [
            contact_step_timer_name("t", "e", CONTACT, "s", Channel::Email),
            contact_step_timer_name("t", "e", &"x".repeat(36), "s", Channel::Sms),
            event_step_timer_name("t", "e", "s"),
        ] {
            assert!(is_valid_timer_name(&n), "{n}");
        }
    }

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
