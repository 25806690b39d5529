//! "Add to calendar" links. Every value is percent-encoded as an RFC 3986
//! query component (space as `%20`, not `+`, which Outlook shows as is).

use super::time::{basic_utc, extended_utc};
use super::CalendarEvent;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters is encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const GOOGLE_BASE: &str = "https://calendar.google.com/calendar/render";
const OUTLOOK_BASE: &str = "https://outlook.live.com/calendar/0/deeplink/compose";

/// Google Calendar's event template link.
pub fn google_calendar_url(event: &CalendarEvent) -> String {
    let dates = format!("{}/{}", basic_utc(event.start), basic_utc(event.end));
    let mut params = vec![
        ("action", "TEMPLATE".to_string()),
        ("text", event.title.clone()),
        ("dates", dates),
        ("details", event.full_description()),
    ];
    if let Some(location) = event.effective_location() {
        params.push(("location", location.to_string()));
    }
    with_query(GOOGLE_BASE, &params)
}

/// Outlook on the web's compose link, on outlook.live.com (Outlook.com
/// accounts).
pub fn outlook_calendar_url(event: &CalendarEvent) -> String {
    let mut params = vec![
        ("path", "/calendar/action/compose".to_string()),
        ("rru", "addevent".to_string()),
        ("subject", event.title.clone()),
        ("startdt", extended_utc(event.start)),
        ("enddt", extended_utc(event.end)),
        ("body", event.full_description()),
    ];
    if let Some(location) = event.effective_location() {
        params.push(("location", location.to_string()));
    }
    with_query(OUTLOOK_BASE, &params)
}

fn with_query(base: &str, params: &[(&str, String)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(name, value)| format!("{name}={}", utf8_percent_encode(value, QUERY_VALUE)))
        .collect();
    format!("{base}?{}", query.join("&"))
}
