//! Rule 1: the nominal time of a step, before any adjustment.

use super::{EventWindow, PlanError};
use crate::funnel::{SendRule, Step};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

pub(super) fn nominal_at(
    step: &Step,
    event: EventWindow,
    registered_at: Timestamp,
    tz: &TimeZone,
) -> Result<Timestamp, PlanError> {
    let out_of_range = || PlanError::OutOfRange {
        step: step.id.clone(),
    };
    match step.send {
        SendRule::AfterRegistration(d) => registered_at.checked_add(d.as_signed()).ok(),
        SendRule::BeforeEvent(d) => event.start.checked_sub(d.as_signed()).ok(),
        SendRule::AfterEventEnd(d) => event.end.checked_add(d.as_signed()).ok(),
        SendRule::DaysBeforeEvent { .. } => days_before(step.send, event.start, tz),
    }
    .ok_or_else(out_of_range)
}

/// `days_before_event N at HH:MM`: that wall time in `tz` on the local date of
/// the event start minus N days. A wall time skipped by a DST change moves
/// forward by the gap; a repeated one takes its first occurrence.
pub(super) fn days_before(rule: SendRule, start: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
    let SendRule::DaysBeforeEvent { days, at } = rule else {
        return None;
    };
    let local_start_date = tz.to_datetime(start).date();
    let date = local_start_date
        .checked_sub(Span::new().try_days(i64::from(days)).ok()?)
        .ok()?;
    tz.to_ambiguous_timestamp(date.to_datetime(at.as_time()))
        .compatible()
        .ok()
}
