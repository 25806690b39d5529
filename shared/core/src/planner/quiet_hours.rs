//! Rule 5: quiet hours in the recipient's local time.

use crate::funnel::QuietHours;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Whether the local time of `at` falls in `[start, end)` (wrapping past
/// midnight when start > end).
pub fn is_quiet(at: Timestamp, tz: &TimeZone, quiet: &QuietHours) -> bool {
    let t = tz.to_datetime(at).time();
    let (start, end) = (quiet.start.as_time(), quiet.end.as_time());
    if start < end {
        t >= start && t < end
    } else {
        t >= start || t < end
    }
}

/// If `at` is inside quiet hours, the moment they end (local `end` on the
/// right day, resolved forward across a DST gap); otherwise `None`.
pub fn defer(at: Timestamp, tz: &TimeZone, quiet: &QuietHours) -> Option<Timestamp> {
    if !is_quiet(at, tz, quiet) {
        return None;
    }
    let local = tz.to_datetime(at);
    let (start, end) = (quiet.start.as_time(), quiet.end.as_time());
    let date = if start > end && local.time() >= start {
        local.date().tomorrow().ok()?
    } else {
        local.date()
    };
    tz.to_ambiguous_timestamp(date.to_datetime(end))
        .compatible()
        .ok()
}
