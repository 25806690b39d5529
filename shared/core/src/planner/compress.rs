//! Rule 4: adaptive compression. For a registrant who arrives after the
//! pre-event sequence window W = [S − span, S) has begun, every flexible
//! event-anchored step maps linearly from W onto [r, S):
//! t' = r + (t − (S − span)) × (S − r) / span.
//!
//! `after_registration` steps are already relative to r and are left alone.

use super::nominal::days_before;
use super::PlanError;
use crate::funnel::{Funnel, SendRule};
use jiff::tz::TimeZone;
use jiff::{RoundMode, SignedDuration, Timestamp, TimestampRound, Unit};

#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    window_start: Timestamp,
    registered_at: Timestamp,
    span_ns: i128,
    target_ns: i128,
}

impl Window {
    /// The compression to apply, or `None` when the registrant is early
    /// enough (or compression is off, or nothing is flexible).
    pub(super) fn for_funnel(
        funnel: &Funnel,
        start: Timestamp,
        registered_at: Timestamp,
        tz: &TimeZone,
    ) -> Result<Option<Window>, PlanError> {
        if !funnel.defaults.compress
            || !funnel
                .pre_event
                .iter()
                .any(|s| s.flexible && s.send.is_event_anchored_pre())
        {
            return Ok(None);
        }
        let mut span = SignedDuration::ZERO;
        for step in &funnel.pre_event {
            let nominal = match step.send {
                SendRule::BeforeEvent(d) => start.checked_sub(d.as_signed()).ok(),
                rule @ SendRule::DaysBeforeEvent { .. } => days_before(rule, start, tz),
                _ => continue,
            }
            .ok_or_else(|| PlanError::OutOfRange {
                step: step.id.clone(),
            })?;
            span = span.max(start.duration_since(nominal));
        }
        if span <= SignedDuration::ZERO {
            return Ok(None);
        }
        let window_start = start.checked_sub(span).map_err(|_| PlanError::OutOfRange {
            step: "(sequence window)".into(),
        })?;
        if registered_at <= window_start || registered_at >= start {
            return Ok(None);
        }
        Ok(Some(Window {
            window_start,
            registered_at,
            span_ns: span.as_nanos(),
            target_ns: start.duration_since(registered_at).as_nanos(),
        }))
    }

    /// Maps a nominal time into [r, S), rounded up to the whole second so
    /// send times stay readable and never fall before r.
    pub(super) fn map(&self, t: Timestamp) -> Timestamp {
        let offset_ns =
            t.duration_since(self.window_start).as_nanos() * self.target_ns / self.span_ns;
        let offset = i64::try_from(offset_ns)
            .map(SignedDuration::from_nanos)
            .unwrap_or(SignedDuration::MAX);
        let mapped = self
            .registered_at
            .checked_add(offset)
            .unwrap_or(Timestamp::MAX);
        mapped
            .round(
                TimestampRound::new()
                    .smallest(Unit::Second)
                    .mode(RoundMode::Ceil),
            )
            .unwrap_or(mapped)
    }
}
