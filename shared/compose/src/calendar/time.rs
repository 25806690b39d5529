//! UTC date-times in the two forms calendars take, to the whole second.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// RFC 5545 basic form, `20261210T170000Z`.
pub(crate) fn basic_utc(t: Timestamp) -> String {
    let dt = civil_utc(t);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// ISO 8601 extended form, `2026-12-10T17:00:00Z`.
pub(crate) fn extended_utc(t: Timestamp) -> String {
    let dt = civil_utc(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

fn civil_utc(t: Timestamp) -> DateTime {
    t.to_zoned(TimeZone::UTC).datetime()
}
