//! Helpers shared by the core integration tests.
#![allow(dead_code)]

use jiff::tz::TimeZone;
use jiff::Timestamp;
use myx_core::planner::report::SendReport;
use myx_core::{load_funnel, plan, Branch, ChannelSet, EventWindow, Funnel, SourceFormat};

pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

pub fn tz(name: &str) -> TimeZone {
    TimeZone::get(name).expect("test zone")
}

/// A funnel from YAML steps plus generic templates for every step id used.
pub fn funnel(yaml: &str) -> Funnel {
    load_funnel(yaml, SourceFormat::Yaml).unwrap_or_else(|p| panic!("invalid test funnel: {p:#?}"))
}

/// Builds a funnel document around `pre` and `post` step lists (YAML), with
/// `defaults` and a template `t` that has both email and SMS bodies.
pub fn funnel_with(defaults: &str, pre: &str, post: &str) -> Funnel {
    let indent = |s: &str, n: usize| {
        s.lines()
            .map(|l| format!("{}{l}\n", " ".repeat(n)))
            .collect::<String>()
    };
    let mut doc = String::from("funnel: t\nname: Test\n");
    if !defaults.trim().is_empty() {
        doc += "defaults:\n";
        doc += &indent(defaults, 2);
    }
    if !pre.trim().is_empty() {
        doc += "pre_event:\n";
        doc += &indent(pre, 2);
    }
    if !post.trim().is_empty() {
        doc += "post_event:\n";
        doc += &indent(post, 2);
    }
    doc += "templates:\n  t:\n    email: { subject: S, html: H }\n    sms: { body: B }\n  t2:\n    email: { subject: S2, html: H2 }\n    sms: { body: B2 }\n";
    funnel(&doc)
}

pub struct Input<'a> {
    pub start: &'a str,
    pub end: &'a str,
    pub registered: &'a str,
    pub zone: &'a str,
    pub channels: ChannelSet,
    pub branch: Option<Branch>,
    pub contact: Option<&'a str>,
}

impl Default for Input<'_> {
    fn default() -> Self {
        Input {
            start: "2026-12-10T17:00:00Z",
            end: "2026-12-10T18:00:00Z",
            registered: "2026-12-01T15:00:00Z",
            zone: "UTC",
            channels: ChannelSet::all(),
            branch: None,
            contact: None,
        }
    }
}

/// Plans and returns the report rows (the same view the CLI prints).
pub fn run(f: &Funnel, input: &Input) -> (bool, Vec<SendReport>) {
    let reg = myx_core::Registration {
        at: ts(input.registered),
        timezone: tz(input.zone),
        channels: input.channels,
        contact_id: input.contact,
    };
    let event = EventWindow {
        start: ts(input.start),
        end: ts(input.end),
    };
    let p = plan(f, event, &reg, input.branch).expect("plan");
    (p.compressed, p.sends.iter().map(SendReport::from).collect())
}

pub fn find<'a>(sends: &'a [SendReport], step: &str, channel: &str) -> &'a SendReport {
    sends
        .iter()
        .find(|s| s.step == step && s.channel == channel)
        .unwrap_or_else(|| panic!("no send {step}/{channel} in {sends:#?}"))
}

/// (status, reason, send_at) of one send, for compact assertions.
pub fn outcome(
    sends: &[SendReport],
    step: &str,
    channel: &str,
) -> (String, Option<String>, Option<String>) {
    let s = find(sends, step, channel);
    (s.status.clone(), s.reason.clone(), s.send_at.clone())
}

pub fn scheduled(at: &str) -> (String, Option<String>, Option<String>) {
    ("scheduled".into(), None, Some(ts(at).to_string()))
}

pub fn skipped(reason: &str) -> (String, Option<String>, Option<String>) {
    ("skipped".into(), Some(reason.into()), None)
}
