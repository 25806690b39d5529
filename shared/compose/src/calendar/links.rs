//! "Add to calendar" links. Every value is percent-encoded as an RFC 3986
//! query component (space as `%20`, not `+`, which Outlook shows as is).

use super::time::{basic_utc, extended_utc};
use super::CalendarEvent;
use lru::LruCache;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::num::NonZeroUsize;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

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

/// Both links of one calendar entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarUrls {
    pub google: String,
    pub outlook: String,
}

/// Entries whose links are kept: an entry depends only on its event (the
/// same for every registrant), so a busy event's links are built once.
const CACHED_ENTRIES: NonZeroUsize = match NonZeroUsize::new(1024) {
    Some(n) => n,
    None => unreachable!(),
};

static CACHED: LazyLock<Mutex<LruCache<CalendarEvent, Arc<CalendarUrls>>>> =
    LazyLock::new(|| Mutex::new(LruCache::new(CACHED_ENTRIES)));

/// Google's and Outlook's links for `event`, built once per distinct entry
/// (the whole entry is the key: a rescheduled or renamed event is another).
pub fn calendar_urls(event: &CalendarEvent) -> Arc<CalendarUrls> {
    let cache = || CACHED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(hit) = cache().get(event) {
        return Arc::clone(hit);
    }
    let urls = Arc::new(CalendarUrls {
        google: google_calendar_url(event),
        outlook: outlook_calendar_url(event),
    });
    cache().put(event.clone(), Arc::clone(&urls));
    urls
}

fn with_query(base: &str, params: &[(&str, String)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(name, value)| format!("{name}={}", utf8_percent_encode(value, QUERY_VALUE)))
        .collect();
    format!("{base}?{}", query.join("&"))
}
