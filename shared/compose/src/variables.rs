//! What a template sees: a [`MessageContext`] (the recipient, the event, the
//! sender and the links made for them) turned into the variable map
//! documented in [`myx_core::template_vars::VARIABLES`], plus
//! `custom.<field>`.
//!
//! Values that are not known (no replay yet, no join link, a custom field
//! the registrant left out or sent as `null`) are left out of the map, so a
//! template that prints them fails with an error naming them, while
//! `{% if replay_url %}` still works.

use jiff::fmt::strtime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use myx_core::template_vars::CUSTOM_PREFIX;
use serde_json::{Map, Value};
use std::fmt;

/// `event_start`, e.g. "Thursday, December 10 at 12:00 PM EST".
const START_FORMAT: &str = "%A, %B %-d at %-I:%M %p %Z";
/// `event_date`, e.g. "December 10".
const DATE_FORMAT: &str = "%B %-d";
/// `event_time`, e.g. "12:00 PM EST".
const TIME_FORMAT: &str = "%-I:%M %p %Z";

/// Everything known when one message is composed for one registrant.
/// `Debug` leaves out the registrant's personal data (logs never hold it).
#[derive(Clone)]
pub struct MessageContext {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub event_title: String,
    pub event_start: Timestamp,
    /// The event's own zone: used when the registrant's is not known.
    pub event_zone: TimeZone,
    /// The registrant's zone: times are shown in it when known.
    pub recipient_zone: Option<TimeZone>,
    pub join_url: Option<String>,
    pub replay_url: Option<String>,
    pub calendar_url: Option<String>,
    pub google_calendar_url: Option<String>,
    pub outlook_calendar_url: Option<String>,
    pub business_name: String,
    pub postal_address: String,
    pub unsubscribe_url: Option<String>,
    /// The enrollment's `customFields`, reachable as `custom.<field>`.
    pub custom: Map<String, Value>,
}

impl MessageContext {
    /// The zone times are shown in: the registrant's, else the event's.
    pub fn display_zone(&self) -> &TimeZone {
        self.recipient_zone.as_ref().unwrap_or(&self.event_zone)
    }

    /// The template variables for this context.
    pub fn variables(&self) -> Variables {
        let zone = self.display_zone();
        let start = self.event_start.to_zoned(zone.clone());
        let mut vars = Variables::default();
        vars.insert("first_name", self.first_name.as_str());
        vars.insert("last_name", self.last_name.as_str());
        vars.insert_opt("email", self.email.as_deref());
        vars.insert("event_title", self.event_title.as_str());
        vars.insert("event_start", format_local(&start, START_FORMAT).as_str());
        vars.insert("event_date", format_local(&start, DATE_FORMAT).as_str());
        vars.insert("event_time", format_local(&start, TIME_FORMAT).as_str());
        vars.insert("event_timezone", zone_name(&start).as_str());
        vars.insert_opt("join_url", self.join_url.as_deref());
        vars.insert_opt("replay_url", self.replay_url.as_deref());
        vars.insert_opt("calendar_url", self.calendar_url.as_deref());
        vars.insert_opt("google_calendar_url", self.google_calendar_url.as_deref());
        vars.insert_opt("outlook_calendar_url", self.outlook_calendar_url.as_deref());
        vars.insert("business_name", self.business_name.as_str());
        vars.insert("postal_address", self.postal_address.as_str());
        vars.insert_opt("unsubscribe_url", self.unsubscribe_url.as_deref());
        let custom: Map<String, Value> = self
            .custom
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        vars.0
            .insert(CUSTOM_PREFIX.to_string(), Value::Object(custom));
        vars
    }
}

/// A template's variables: top-level names, with `custom` a nested object.
/// `Debug` shows the names only (the values hold personal data).
#[derive(Clone, Default, PartialEq)]
pub struct Variables(Map<String, Value>);

impl Variables {
    /// Sets `name` to a string value (replacing any earlier value).
    pub fn insert(&mut self, name: &str, value: &str) {
        self.0
            .insert(name.to_string(), Value::String(value.to_string()));
    }

    /// Sets `name` when there is a value; leaves it undefined otherwise.
    pub fn insert_opt(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(v) => self.insert(name, v),
            None => {
                self.0.remove(name);
            }
        }
    }

    /// The value at a dotted path such as `first_name` or `custom.company`.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let first = self.0.get(parts.next()?)?;
        parts.try_fold(first, |value, part| value.as_object()?.get(part))
    }

    /// The top-level names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
}

const REDACTED: &str = "<redacted>";

impl fmt::Debug for MessageContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageContext")
            .field("first_name", &REDACTED)
            .field("last_name", &REDACTED)
            .field("email", &self.email.as_ref().map(|_| REDACTED))
            .field("event_title", &self.event_title)
            .field("event_start", &self.event_start)
            .field("event_zone", &self.event_zone.iana_name())
            .field(
                "recipient_zone",
                &self.recipient_zone.as_ref().map(TimeZone::iana_name),
            )
            .field("join_url", &self.join_url.as_ref().map(|_| REDACTED))
            .field("replay_url", &self.replay_url)
            .field("calendar_url", &self.calendar_url)
            .field("google_calendar_url", &self.google_calendar_url)
            .field("outlook_calendar_url", &self.outlook_calendar_url)
            .field("business_name", &self.business_name)
            .field("postal_address", &self.postal_address)
            .field(
                "unsubscribe_url",
                &self.unsubscribe_url.as_ref().map(|_| REDACTED),
            )
            .field("custom", &self.custom.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl fmt::Debug for Variables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Variables")
            .field("names", &self.names().collect::<Vec<_>>())
            .finish()
    }
}

/// Formats a local time; our formats only use fields a `Zoned` always has,
/// so the fallback (RFC 9557 form) is never expected to show.
fn format_local(time: &Zoned, format: &str) -> String {
    strtime::format(format, time).unwrap_or_else(|_| time.to_string())
}

/// The zone's IANA name; a zone without one (a fixed offset) by its offset.
fn zone_name(time: &Zoned) -> String {
    match time.time_zone().iana_name() {
        Some(name) => name.to_string(),
        None => time.offset().to_string(),
    }
}
