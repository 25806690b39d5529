//! Registering an enrollment with the event's conferencing platform (Zoom)
//! and undoing it when our own write fails afterwards (compensation).
//!
//! Zoom refusing the registration is the request's problem (422); Zoom
//! unreachable, rate limited or misconfigured is ours (503). Either way
//! nothing is written and no funnel starts.
//!
//! Undo removes the Zoom registrant unless a stored enrollment refers to it:
//! Zoom answers a repeated email with the same registrant, so a concurrent
//! enrollment of the same person (or this one, when the store's answer was
//! lost but the write went through) may hold it. When that cannot be
//! checked, the registrant is left in place and logged: a stray Zoom
//! registration is better than a stored enrollment whose join link was
//! revoked.

use crate::engine::{Engine, EngineError};
use crate::keys;
use crate::ports::{Attendee, ConferencingError, Registrant};
use crate::records::EventRecord;

/// Registers with the event's platform; `None` when it has none.
pub async fn register(
    engine: &Engine,
    event: &EventRecord,
    attendee: &Attendee<'_>,
) -> Result<Option<Registrant>, EngineError> {
    let Some(conference) = event.conference() else {
        return Ok(None);
    };
    match engine.conferencing.register(&conference, attendee).await {
        Ok(registrant) => Ok(Some(registrant)),
        Err(ConferencingError::Rejected(why)) => {
            tracing::info!(event = %event.id, meeting = %conference.id, reason = %why, "zoom refused a registration");
            Err(EngineError::Unprocessable(format!(
                "the event's Zoom {} did not accept the registration: {why}",
                kind_name(event)
            )))
        }
        Err(ConferencingError::Busy {
            detail,
            retry_after,
        }) => {
            tracing::warn!(event = %event.id, meeting = %conference.id, reason = %detail, retry_after_s = retry_after.as_secs(), "zoom busy for a registration");
            Err(EngineError::Busy {
                message: format!(
                    "Zoom is busy, so nothing was enrolled; try again in {} s",
                    retry_after.as_secs().max(1)
                ),
                retry_after,
            })
        }
        Err(ConferencingError::Unavailable(why)) => {
            tracing::warn!(event = %event.id, meeting = %conference.id, reason = %why, "zoom unavailable for a registration");
            Err(EngineError::Unavailable(
                "Zoom is unavailable, so nothing was enrolled; try again shortly".into(),
            ))
        }
    }
}

fn kind_name(event: &EventRecord) -> &'static str {
    match event.conference().map(|c| c.kind) {
        Some(crate::ports::ConferenceKind::Webinar) => "webinar",
        _ => "meeting",
    }
}

/// Removes `registrant` again, unless a stored enrollment refers to it.
/// Never fails: the enrollment's own error is what the caller reports.
pub async fn undo(engine: &Engine, tenant: &str, event: &EventRecord, registrant: &Registrant) {
    let Some(conference) = event.conference() else {
        return;
    };
    let index = keys::zoom_registrant(tenant, &event.id, &registrant.registrant_id);
    match engine.store.get(&index).await {
        Ok(Some(_)) => {
            tracing::info!(event = %event.id, registrant = %registrant.registrant_id, "zoom registrant kept: a stored enrollment holds it");
            return;
        }
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(event = %event.id, meeting = %conference.id, registrant = %registrant.registrant_id, error = %e, "zoom registrant left in place: could not check for a stored enrollment");
            return;
        }
    }
    match engine
        .conferencing
        .unregister(&conference, &registrant.registrant_id)
        .await
    {
        Ok(()) => {
            tracing::info!(event = %event.id, meeting = %conference.id, registrant = %registrant.registrant_id, "enrollment not stored: zoom registrant removed")
        }
        Err(e) => {
            tracing::warn!(event = %event.id, meeting = %conference.id, registrant = %registrant.registrant_id, error = %e, "enrollment not stored and the zoom registrant could not be removed: remove it in Zoom")
        }
    }
}
