//! Public links in responses and messages.

use crate::engine::Engine;
use crate::records::EventRecord;
use serde_json::{json, Value};

/// `{ics, google, outlook}` for an event.
pub fn calendar_links(engine: &Engine, _tenant: &str, event: &EventRecord) -> Value {
    json!({
        "ics": format!("{}/v1/events/{}/calendar.ics", engine.config.public_url, event.id),
    })
}
