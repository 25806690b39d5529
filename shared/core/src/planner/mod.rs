//! The adaptive-timing planner: (funnel, event, registration, branch?) →
//! an explainable list of sends. Rule numbers follow docs/FUNNELS.md; in
//! the order they are applied:
//!
//! - rule 1, nominal time per step (`nominal`);
//! - rule 4, compression of flexible event-anchored steps (`compress`);
//! - rules 7 and 8, consent first, then pending post-event branches;
//! - rules 3 and 2, `past`, then `after_event_start` (`decide_time`);
//! - rule 5, quiet-hours deferral in the recipient's zone (`quiet_hours`);
//! - rule 6, `min_gap` between flexible and kept sends per channel (`min_gap`).
//!
//! The planner is pure and allocation-light: it is called on every
//! enrollment, reschedule and timer firing.

mod compress;
mod min_gap;
mod nominal;
pub mod quiet_hours;
pub mod report;
pub mod variant;

use crate::channel::{Channel, ChannelSet};
use crate::funnel::{Funnel, Phase, SendRule, Step};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::fmt;
use std::str::FromStr;

/// Post-event branch, decided by real attendance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Branch {
    Attended,
    NoShow,
}

impl Branch {
    pub fn as_str(self) -> &'static str {
        match self {
            Branch::Attended => "attended",
            Branch::NoShow => "no_show",
        }
    }
}

impl fmt::Display for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Branch {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "attended" => Ok(Branch::Attended),
            "no_show" => Ok(Branch::NoShow),
            _ => Err(format!(
                "unknown branch {s:?}: expected attended or no_show"
            )),
        }
    }
}

/// When the event runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventWindow {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Who registered, when, where, and what they consented to.
#[derive(Debug, Clone)]
pub struct Registration<'a> {
    pub at: Timestamp,
    pub timezone: TimeZone,
    pub channels: ChannelSet,
    /// Used only to pick A/B variants deterministically.
    pub contact_id: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Scheduled,
    Skipped,
    Conditional,
    Pending,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Skipped => "skipped",
            Status::Conditional => "conditional",
            Status::Pending => "pending",
        }
    }

    /// Holds a slot on the timeline (other flexible sends keep their distance).
    pub fn is_kept(self) -> bool {
        matches!(self, Status::Scheduled | Status::Conditional)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    Past,
    AfterEventStart,
    MinGap,
    QuietHours,
    NoConsent,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Past => "past",
            SkipReason::AfterEventStart => "after_event_start",
            SkipReason::MinGap => "min_gap",
            SkipReason::QuietHours => "quiet_hours",
            SkipReason::NoConsent => "no_consent",
        }
    }
}

/// One (step, channel) decision.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSend<'f> {
    pub step: &'f Step,
    /// Position of the step in step order (pre-event, attended, no-show).
    pub step_index: usize,
    pub phase: Phase,
    pub channel: Channel,
    pub nominal_at: Timestamp,
    pub send_at: Option<Timestamp>,
    pub status: Status,
    pub reason: Option<SkipReason>,
    pub template: &'f str,
    pub variant: Option<&'f str>,
}

impl PlannedSend<'_> {
    pub fn branch(&self) -> Option<Branch> {
        match self.phase {
            Phase::PreEvent => None,
            Phase::PostEvent(b) => Some(b),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan<'f> {
    pub compressed: bool,
    pub sends: Vec<PlannedSend<'f>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the event ends ({end}) before it starts ({start})")]
    EndBeforeStart { start: Timestamp, end: Timestamp },
    #[error("a send time for step {step:?} is outside the supported date range")]
    OutOfRange { step: String },
}

/// Plans every send of `funnel` for one registration.
pub fn plan<'f>(
    funnel: &'f Funnel,
    event: EventWindow,
    reg: &Registration<'_>,
    branch: Option<Branch>,
) -> Result<Plan<'f>, PlanError> {
    if event.end < event.start {
        return Err(PlanError::EndBeforeStart {
            start: event.start,
            end: event.end,
        });
    }
    let tz = &reg.timezone;
    let window = compress::Window::for_funnel(funnel, event.start, reg.at, tz)?;
    let quiet = &funnel.defaults.quiet_hours;
    let mut sends = Vec::with_capacity(funnel.pre_event.len() * 2 + 4);

    for (step_index, (phase, step)) in funnel.steps().enumerate() {
        let pending = match phase {
            Phase::PreEvent => false,
            Phase::PostEvent(b) => match branch {
                Some(chosen) if chosen != b => continue,
                Some(_) => false,
                None => true,
            },
        };
        let nominal = nominal::nominal_at(step, event, reg.at, tz)?;
        let time = match (&window, step.flexible && step.send.is_event_anchored_pre()) {
            (Some(w), true) => w.map(nominal),
            _ => nominal,
        };
        let (template, variant) = variant::choose(funnel, step, reg.contact_id);
        for &channel in &step.channels {
            let (status, reason, send_at) = if !reg.channels.contains(channel) {
                (Status::Skipped, Some(SkipReason::NoConsent), None)
            } else if pending {
                (Status::Pending, None, None)
            } else {
                decide_time(
                    step, phase, channel, time, nominal, event, reg.at, tz, quiet,
                )
            };
            sends.push(PlannedSend {
                step,
                step_index,
                phase,
                channel,
                nominal_at: nominal,
                send_at,
                status,
                reason,
                template,
                variant,
            });
        }
    }
    min_gap::apply(&mut sends, funnel.defaults.min_gap);
    sends.sort_by(|a, b| {
        let key = |s: &PlannedSend| (s.send_at.is_none(), s.send_at, s.step_index, s.channel);
        key(a).cmp(&key(b))
    });
    Ok(Plan {
        compressed: window.is_some(),
        sends,
    })
}

/// Timing rules for one consented, non-pending send.
#[allow(clippy::too_many_arguments)]
fn decide_time(
    step: &Step,
    phase: Phase,
    channel: Channel,
    time: Timestamp,
    nominal: Timestamp,
    event: EventWindow,
    registered_at: Timestamp,
    tz: &TimeZone,
    quiet: &crate::funnel::QuietHours,
) -> (Status, Option<SkipReason>, Option<Timestamp>) {
    let skip = |r| (Status::Skipped, Some(r), None);
    let pre = phase == Phase::PreEvent;
    // Fixed steps are judged on their nominal slot; flexible ones on their
    // (possibly compressed) time, which is never before registration when
    // compression applied.
    let judged = if step.flexible { time } else { nominal };
    if judged < registered_at {
        return skip(SkipReason::Past);
    }
    if pre && time >= event.start {
        return skip(SkipReason::AfterEventStart);
    }
    let mut at = time;
    if quiet.applies_to(channel) {
        if let Some(deferred) = quiet_hours::defer(at, tz, quiet) {
            if pre && deferred >= event.start {
                return skip(SkipReason::QuietHours);
            }
            at = deferred;
        }
    }
    let status = if step.is_conditional() {
        Status::Conditional
    } else {
        Status::Scheduled
    };
    (status, None, Some(at))
}

impl SendRule {
    /// A short human description, e.g. "2h before the event".
    pub fn describe(self) -> String {
        match self {
            SendRule::AfterRegistration(d) => format!("{d} after registration"),
            SendRule::BeforeEvent(d) => format!("{d} before the event"),
            SendRule::DaysBeforeEvent { days, at } => format!("{days} day(s) before at {at}"),
            SendRule::AfterEventEnd(d) => format!("{d} after the event ends"),
        }
    }
}
