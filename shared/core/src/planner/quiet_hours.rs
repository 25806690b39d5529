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
/// right day, resolved forward across a DST gap); otherwise `None`. The result
/// is always later than `at`: in a repeated (fall-back) hour the later
/// occurrence of `end` is used when the earlier one has already passed.
pub fn defer(at: Timestamp, tz: &TimeZone, quiet: &QuietHours) -> Option<Timestamp> {
    if !is_quiet(at, tz, quiet) {
        return None;
    }
    let local = tz.to_datetime(at);
    let (start, end) = (quiet.start.as_time(), quiet.end.as_time());
    let mut date = if start > end && local.time() >= start {
        local.date().tomorrow().ok()?
    } else {
        local.date()
    };
    for _ in 0..2 {
        let ambiguous = tz.to_ambiguous_timestamp(date.to_datetime(end));
        let found = [ambiguous.compatible().ok(), ambiguous.later().ok()]
            .into_iter()
            .flatten()
            .find(|t| *t > at);
        if found.is_some() {
            return found;
        }
        date = date.tomorrow().ok()?;
    }
    None
}
