//! Public links and the calendar entry of an event.

use crate::engine::Engine;
use crate::records::EventRecord;
use myx_compose::calendar::{calendar_urls, event_uid};
use myx_compose::CalendarEvent;
use serde_json::{json, Value};

/// The event as a calendar entry (SEQUENCE follows reschedules).
pub fn calendar_event(engine: &Engine, tenant: &str, event: &EventRecord) -> CalendarEvent {
    let domain = engine
        .config
        .public_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .filter(|h| !h.is_empty())
        .unwrap_or("myxelium.local");
    CalendarEvent {
        uid: event_uid(tenant, &event.id, domain),
        title: event.title.clone(),
        // The calendar writer adds the join link itself.
        description: None,
        start: event.starts_at,
        end: event.ends_at,
        join_url: event.join_url.clone(),
        location: None,
        url: event.join_url.clone(),
        sequence: u32::try_from(event.schedule_version.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .min(i32::MAX as u32),
    }
}

pub fn ics_url(engine: &Engine, event_id: &str) -> String {
    format!(
        "{}/v1/events/{}/calendar.ics",
        engine.config.public_url, event_id
    )
}

/// `{ics, google, outlook}` for an event.
pub fn calendar_links(engine: &Engine, tenant: &str, event: &EventRecord) -> Value {
    let urls = calendar_urls(&calendar_event(engine, tenant, event));
    json!({
        "ics": ics_url(engine, &event.id),
        "google": urls.google,
        "outlook": urls.outlook,
    })
}
