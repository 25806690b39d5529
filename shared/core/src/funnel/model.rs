//! The validated funnel the planner and engine work with: every duration,
//! time, reference and channel here has been checked.

use crate::channel::Channel;
use crate::clock_time::ClockTime;
use crate::duration::Duration;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub defaults: Defaults,
    pub pre_event: Vec<Step>,
    pub post_event: PostEvent,
    pub templates: BTreeMap<String, Template>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Defaults {
    pub quiet_hours: QuietHours,
    pub min_gap: Duration,
    pub compress: bool,
    pub daily_cap: BTreeMap<Channel, u32>,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            quiet_hours: QuietHours::default(),
            min_gap: Duration::from_hours(2),
            compress: true,
            daily_cap: BTreeMap::new(),
        }
    }
}

/// `[start, end)` in local time; `start > end` wraps past midnight.
#[derive(Debug, Clone, PartialEq)]
pub struct QuietHours {
    pub start: ClockTime,
    pub end: ClockTime,
    pub channels: Vec<Channel>,
}

impl Default for QuietHours {
    fn default() -> Self {
        QuietHours {
            start: ClockTime::constant(21, 0),
            end: ClockTime::constant(9, 0),
            channels: vec![Channel::Sms],
        }
    }
}

impl QuietHours {
    pub fn applies_to(&self, channel: Channel) -> bool {
        self.channels.contains(&channel)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostEvent {
    pub attended: Vec<Step>,
    pub no_show: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: String,
    pub channels: Vec<Channel>,
    pub template: String,
    pub send: SendRule,
    pub flexible: bool,
    pub when: Option<Condition>,
    pub unless: Option<Condition>,
    pub variants: Vec<Variant>,
}

impl Step {
    /// Steps with `if`/`unless` are decided at send time.
    pub fn is_conditional(&self) -> bool {
        self.when.is_some() || self.unless.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRule {
    AfterRegistration(Duration),
    BeforeEvent(Duration),
    DaysBeforeEvent { days: u32, at: ClockTime },
    AfterEventEnd(Duration),
}

impl SendRule {
    /// Anchored to the event start (these define the compression window).
    pub fn is_event_anchored_pre(self) -> bool {
        matches!(
            self,
            SendRule::BeforeEvent(_) | SendRule::DaysBeforeEvent { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The provider reported the step's message delivered (email or SMS);
    /// an open or a click counts as delivered too.
    Delivered(String),
    Opened(String),
    Clicked(String),
    Attribute {
        name: String,
        equals: serde_json::Value,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub id: String,
    pub weight: f64,
    pub template: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub email: Option<EmailTemplate>,
    pub sms: Option<SmsTemplate>,
}

impl Template {
    pub fn supports(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email.is_some(),
            Channel::Sms => self.sms.is_some(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmailTemplate {
    pub subject: String,
    pub html: String,
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SmsTemplate {
    pub body: String,
}

/// Which part of the funnel a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    PreEvent,
    PostEvent(crate::planner::Branch),
}

impl Funnel {
    /// All steps in "step order": pre-event, then attended, then no-show.
    pub fn steps(&self) -> impl Iterator<Item = (Phase, &Step)> {
        use crate::planner::Branch;
        self.pre_event
            .iter()
            .map(|s| (Phase::PreEvent, s))
            .chain(
                self.post_event
                    .attended
                    .iter()
                    .map(|s| (Phase::PostEvent(Branch::Attended), s)),
            )
            .chain(
                self.post_event
                    .no_show
                    .iter()
                    .map(|s| (Phase::PostEvent(Branch::NoShow), s)),
            )
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps().map(|(_, s)| s).find(|s| s.id == id)
    }
}
