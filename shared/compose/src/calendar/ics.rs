//! The `.ics` file: one VCALENDAR (METHOD:PUBLISH) holding one VEVENT,
//! written by the `icalendar` crate, which escapes TEXT values and folds
//! content lines at 75 octets on UTF-8 character boundaries with CRLF.
//!
//! Times are written in UTC (`DTSTART:20261210T170000Z`, RFC 5545 3.3.5
//! form #2) rather than with a TZID and a VTIMEZONE. Both are valid; UTC is
//! the more robust here:
//! - An event is one fixed instant, never a recurring wall-clock time, so a
//!   zone adds nothing to what the entry means (TZID matters for RRULEs that
//!   cross DST changes, which we never emit).
//! - A TZID must come with a VTIMEZONE that matches the tz database for the
//!   event's dates. Nothing maintained generates one from jiff's data, a
//!   hand-made one can be subtly wrong, and some clients (Outlook) trust the
//!   VTIMEZONE over their own data, so a wrong one moves the event.
//! - Every client shows a UTC time in the viewer's own zone. The email's text
//!   already states the time in the registrant's zone.

use super::time::basic_utc as utc;
use super::{normalize_newlines, CalendarError, CalendarEvent};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use jiff::Timestamp;
use myx_core::message::Attachment;

pub const PRODUCT_ID: &str = "-//Myxelium//Event funnels//EN";
pub const ICS_FILENAME: &str = "invite.ics";
pub const ICS_CONTENT_TYPE: &str = "text/calendar; charset=utf-8; method=PUBLISH";

/// The `.ics` text for `event`; `stamp` is when it is generated (DTSTAMP).
pub fn to_ics(event: &CalendarEvent, stamp: Timestamp) -> Result<String, CalendarError> {
    event.check()?;
    let mut vevent = Event::new();
    vevent
        .uid(&event.uid)
        .add_property("DTSTAMP", utc(stamp))
        .add_property("DTSTART", utc(event.start))
        .add_property("DTEND", utc(event.end))
        .add_property("SEQUENCE", event.sequence.to_string())
        .summary(&normalize_newlines(&event.title))
        .status(EventStatus::Confirmed);
    let description = event.full_description();
    if !description.is_empty() {
        vevent.description(&description);
    }
    if let Some(location) = event.effective_location() {
        vevent.location(&normalize_newlines(location));
    }
    if let Some(url) = event.effective_url() {
        vevent.url(url);
    }
    let calendar = Calendar::empty()
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODUCT_ID))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .push(vevent.done())
        .done();
    Ok(calendar.to_string())
}

/// The `.ics` as an email attachment (for the welcome step).
pub fn ics_attachment(
    event: &CalendarEvent,
    stamp: Timestamp,
) -> Result<Attachment, CalendarError> {
    Ok(Attachment {
        filename: ICS_FILENAME.to_string(),
        content_type: ICS_CONTENT_TYPE.to_string(),
        content: to_ics(event, stamp)?.into_bytes(),
    })
}
