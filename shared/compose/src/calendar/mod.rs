//! The event as a calendar entry: an RFC 5545 `.ics` (to attach or serve)
//! and "add to calendar" links for Google Calendar and Outlook.

mod ics;
mod links;
mod time;

use jiff::Timestamp;

pub use ics::{ics_attachment, to_ics, ICS_CONTENT_TYPE, ICS_FILENAME, PRODUCT_ID};
pub use links::{calendar_urls, google_calendar_url, outlook_calendar_url, CalendarUrls};

/// One event as a registrant's calendar should hold it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CalendarEvent {
    /// Stable for the event across reschedules (see [`event_uid`]).
    pub uid: String,
    pub title: String,
    pub description: Option<String>,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The registrant's join link: added to the description, and used as
    /// location and URL when those are not given.
    pub join_url: Option<String>,
    pub location: Option<String>,
    /// The event's page.
    pub url: Option<String>,
    /// Increases with every reschedule (the event's schedule version), so
    /// calendars replace the entry they hold.
    pub sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the event ends ({end}) before it starts ({start})")]
    EndsBeforeStart { start: Timestamp, end: Timestamp },
    #[error("sequence {0} is larger than an iCalendar INTEGER can hold")]
    SequenceOutOfRange(u32),
}

/// A UID that stays the same for an event whatever changes about it:
/// `<event id>.<tenant id>@<domain>` (RFC 5545 3.8.4.7 recommends a domain).
pub fn event_uid(tenant_id: &str, event_id: &str, domain: &str) -> String {
    format!("{event_id}.{tenant_id}@{domain}")
}

impl CalendarEvent {
    /// The description with the join link appended.
    pub(crate) fn full_description(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(d) = self.description.as_deref().map(str::trim) {
            if !d.is_empty() {
                parts.push(normalize_newlines(d));
            }
        }
        if let Some(join) = &self.join_url {
            parts.push(format!("Join: {join}"));
        }
        parts.join("\n\n")
    }

    pub(crate) fn effective_location(&self) -> Option<&str> {
        self.location.as_deref().or(self.join_url.as_deref())
    }

    pub(crate) fn effective_url(&self) -> Option<&str> {
        self.url.as_deref().or(self.join_url.as_deref())
    }

    pub(crate) fn check(&self) -> Result<(), CalendarError> {
        if self.end < self.start {
            return Err(CalendarError::EndsBeforeStart {
                start: self.start,
                end: self.end,
            });
        }
        if i32::try_from(self.sequence).is_err() {
            return Err(CalendarError::SequenceOutOfRange(self.sequence));
        }
        Ok(())
    }
}

/// `\r\n` and lone `\r` become `\n` (iCalendar escapes only `\n`).
pub(crate) fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}
