//! Zoom's attendance webhooks, once the edge has verified and parsed them:
//! a participant joined a meeting or webinar, or it ended. The meeting id
//! finds the events using it (`ZOOM#{id}`, written when an event is
//! created); each webhook is processed once per event id ([`dedup`]).
//!
//! - A participant who joined is matched to a registration by their Zoom
//!   registrant id (they used their personal link), else by email, and is
//!   marked attended ([`lifecycle::mark_contact_attended`]). Joins earlier
//!   than [`DOORS_OPEN`] before the start are a rehearsal and do not count.
//! - `meeting.ended` / `webinar.ended` at or after the event's start
//!   completes the event ([`lifecycle::complete_after`]): its event timers
//!   stop at once, and the attended / no-show branches start
//!   [`LATE_JOIN_GRACE`] later. A join reported in between still counts
//!   (Zoom's webhooks may arrive late or out of order); once the branches
//!   have started, a registrant decided a no-show stays one. A session that
//!   ended before the event's start was a rehearsal.

use super::{dedup, WebhookOutcome};
use crate::engine::{Engine, EngineError};
use crate::events::get_event;
use crate::keys::{self, normalize_email};
use crate::lifecycle::{self, Decided, Marked};
use crate::ports::{ConferenceKind, QueryOptions};
use crate::records::{EventRecord, EventStatus};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use std::fmt;

/// Joins count from this long before the start: hosts open the doors early.
pub const DOORS_OPEN: SignedDuration = SignedDuration::from_hours(1);
/// How long after the session ended the branches wait for late join reports.
pub const LATE_JOIN_GRACE: SignedDuration = SignedDuration::from_mins(10);

pub const PROVIDER: &str = "zoom";

/// `meeting.participant_joined` / `webinar.participant_joined`.
#[derive(Clone, PartialEq, Eq)]
pub struct ParticipantJoined {
    /// Built from the event (Zoom sends no event id; its retries repeat the
    /// body): the dedup key.
    pub event_id: String,
    pub kind: ConferenceKind,
    /// The meeting or webinar id, digits only.
    pub meeting_id: String,
    /// The Zoom registrant id, for participants who joined with their
    /// personal link.
    pub registrant_id: Option<String>,
    /// The participant's email, as Zoom knows it (not logged).
    pub email: Option<String>,
    pub joined_at: Option<Timestamp>,
}

impl fmt::Debug for ParticipantJoined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParticipantJoined")
            .field("event_id", &self.event_id)
            .field("kind", &self.kind)
            .field("meeting_id", &self.meeting_id)
            .field("registrant_id", &self.registrant_id)
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("joined_at", &self.joined_at)
            .finish()
    }
}

/// `meeting.ended` / `webinar.ended`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEnded {
    pub event_id: String,
    pub kind: ConferenceKind,
    pub meeting_id: String,
    pub ended_at: Option<Timestamp>,
}

/// A participant joined: marks their registration attended.
pub async fn zoom_participant_joined(
    engine: &Engine,
    joined: &ParticipantJoined,
) -> Result<WebhookOutcome, EngineError> {
    dedup::once(engine, PROVIDER, &joined.event_id, || {
        attend(engine, joined)
    })
    .await
}

/// The session ended: completes the events it belongs to.
pub async fn zoom_session_ended(
    engine: &Engine,
    ended: &SessionEnded,
) -> Result<WebhookOutcome, EngineError> {
    dedup::once(engine, PROVIDER, &ended.event_id, || {
        complete(engine, ended)
    })
    .await
}

/// Every (tenant, event) using this meeting or webinar id.
async fn events_of(
    engine: &Engine,
    meeting_id: &str,
) -> Result<Vec<(String, EventRecord)>, EngineError> {
    let page = engine
        .store
        .query(
            &keys::zoom_meeting_pk(meeting_id),
            &QueryOptions::prefix("").limit(100),
        )
        .await?;
    let mut events = Vec::with_capacity(page.items.len());
    for item in &page.items {
        let field = |name: &str| item.data.get(name).and_then(Value::as_str);
        let (Some(tenant), Some(event_id)) = (field("tenantId"), field("eventId")) else {
            continue;
        };
        match get_event(engine, tenant, event_id).await {
            Ok((event, _)) => events.push((tenant.to_string(), event)),
            Err(EngineError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(events)
}

async fn attend(
    engine: &Engine,
    joined: &ParticipantJoined,
) -> Result<WebhookOutcome, EngineError> {
    let events = events_of(engine, &joined.meeting_id).await?;
    if events.is_empty() {
        tracing::info!(meeting = %joined.meeting_id, "zoom join for a meeting no event uses, acknowledged");
        return Ok(WebhookOutcome::UnknownMeeting);
    }
    let at = joined.joined_at.unwrap_or_else(|| engine.clock.now());
    let mut outcome = WebhookOutcome::Ignored;
    for (tenant, event) in &events {
        let decided = match event.status {
            EventStatus::Cancelled => continue,
            EventStatus::Scheduled => Decided::Overwrite,
            EventStatus::Completed => Decided::Keep,
        };
        let doors = event
            .starts_at
            .checked_sub(DOORS_OPEN)
            .unwrap_or(event.starts_at);
        if at < doors {
            tracing::info!(event = %event.id, "zoom join before the doors open (a rehearsal), ignored");
            continue;
        }
        let Some(contact_id) = registrant_contact(engine, tenant, &event.id, joined).await? else {
            outcome = WebhookOutcome::UnknownParticipant;
            continue;
        };
        match lifecycle::mark_contact_attended(engine, tenant, &event.id, &contact_id, decided)
            .await?
        {
            Marked::Attended => {
                tracing::info!(tenant = %tenant, event = %event.id, contact = %contact_id, "attended (zoom)");
                return Ok(WebhookOutcome::Processed);
            }
            Marked::KeptNoShow => {
                tracing::info!(event = %event.id, contact = %contact_id, "zoom join after the post-event branches started, ignored");
            }
            Marked::NotRegistered => outcome = WebhookOutcome::UnknownParticipant,
        }
    }
    Ok(outcome)
}

/// The contact a participant is: by Zoom registrant id, then by email.
async fn registrant_contact(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    joined: &ParticipantJoined,
) -> Result<Option<String>, EngineError> {
    if let Some(registrant_id) = &joined.registrant_id {
        let index = keys::zoom_registrant(tenant, event_id, registrant_id);
        if let Some(item) = engine.store.get(&index).await? {
            if let Some(contact) = item.data.get("contactId").and_then(Value::as_str) {
                return Ok(Some(contact.to_string()));
            }
        }
    }
    match &joined.email {
        Some(email) => lifecycle::contact_of_email(engine, tenant, &normalize_email(email)).await,
        None => Ok(None),
    }
}

async fn complete(engine: &Engine, ended: &SessionEnded) -> Result<WebhookOutcome, EngineError> {
    let events = events_of(engine, &ended.meeting_id).await?;
    if events.is_empty() {
        tracing::info!(meeting = %ended.meeting_id, "zoom session end for a meeting no event uses, acknowledged");
        return Ok(WebhookOutcome::UnknownMeeting);
    }
    let at = ended.ended_at.unwrap_or_else(|| engine.clock.now());
    let mut outcome = WebhookOutcome::Ignored;
    for (tenant, event) in &events {
        if event.status != EventStatus::Scheduled {
            continue;
        }
        if at < event.starts_at {
            tracing::info!(event = %event.id, "zoom session ended before the event started (a rehearsal), ignored");
            continue;
        }
        match lifecycle::complete_after(engine, tenant, &event.id, LATE_JOIN_GRACE).await {
            Ok(_) => {
                tracing::info!(tenant = %tenant, event = %event.id, "event completed (zoom session ended)");
                outcome = WebhookOutcome::Processed;
            }
            // Completed or cancelled by someone else meanwhile.
            Err(EngineError::Unprocessable(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(outcome)
}
