//! Funnel tests: expectation files kept beside funnels (`webinar.test.yaml`)
//! that pin down what the planner does for given events and registrations,
//! so a funnel change is reviewed like code and checked in CI.
//!
//! ```yaml
//! funnel: webinar.yaml            # path relative to this file
//! cases:
//!   - name: late registrant
//!     event: { start: "2026-12-10T17:00:00Z", end: "2026-12-10T18:00:00Z" }
//!     registration: { at: "2026-12-08T17:00:00Z", timezone: America/New_York, channels: [email, sms] }
//!     branch: attended            # optional
//!     expect:
//!       compressed: true          # optional
//!       exhaustive: false         # true: every planned send must be listed
//!       sends:
//!         - { step: welcome, channel: email, status: scheduled, send_at: "2026-12-08T17:00:00Z" }
//!         - { step: nurture-story, channel: email, status: skipped, reason: min_gap }
//! ```

use crate::channel::{Channel, ChannelSet};
use crate::funnel::Funnel;
use crate::planner::report::SendReport;
use crate::planner::{plan, Branch, EventWindow, Registration};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// The funnel file under test, relative to the test file.
    pub funnel: String,
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    pub event: EventSpec,
    pub registration: RegistrationSpec,
    #[serde(default)]
    pub branch: Option<String>,
    pub expect: Expect,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationSpec {
    pub at: String,
    #[serde(default)]
    pub timezone: Option<String>,
    /// Consented channels; all channels when absent.
    #[serde(default)]
    pub channels: Option<Vec<Channel>>,
    #[serde(default)]
    pub contact_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub compressed: Option<bool>,
    #[serde(default)]
    pub exhaustive: bool,
    #[serde(default)]
    pub sends: Vec<ExpectedSend>,
}

/// One expected (step, channel) outcome. Fields left out are not checked;
/// `send_at`, `reason` and `variant` may be written as `null` to assert that
/// the planner gives none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedSend {
    pub step: String,
    pub channel: Channel,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub reason: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub send_at: Option<Option<String>>,
    #[serde(default)]
    pub nominal_at: Option<String>,
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub variant: Option<Option<String>>,
}

/// A field that is present (even as `null`) becomes `Some(..)`; an absent
/// one stays `None` through `#[serde(default)]`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("{field}: invalid RFC 3339 time {value:?}: {why}")]
    Time {
        field: &'static str,
        value: String,
        why: String,
    },
    #[error("registration.timezone: unknown IANA time zone {0:?}")]
    TimeZone(String),
    #[error("branch: {0}")]
    Branch(String),
    #[error("{0}")]
    Plan(#[from] crate::planner::PlanError),
}

/// The result of one case: `diff` is empty when it passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOutcome {
    pub name: String,
    pub diff: String,
}

impl CaseOutcome {
    pub fn passed(&self) -> bool {
        self.diff.is_empty()
    }
}

pub fn parse_time(field: &'static str, value: &str) -> Result<Timestamp, CaseError> {
    value
        .trim()
        .parse::<Timestamp>()
        .map_err(|e| CaseError::Time {
            field,
            value: value.to_string(),
            why: e.to_string(),
        })
}

/// Plans `case` against `funnel` and compares with its expectations.
pub fn run_case(funnel: &Funnel, case: &Case) -> Result<CaseOutcome, CaseError> {
    let event = EventWindow {
        start: parse_time("event.start", &case.event.start)?,
        end: parse_time("event.end", &case.event.end)?,
    };
    let reg_at = parse_time("registration.at", &case.registration.at)?;
    let zone = case.registration.timezone.as_deref().unwrap_or("UTC");
    let timezone = TimeZone::get(zone).map_err(|_| CaseError::TimeZone(zone.to_string()))?;
    let channels = match &case.registration.channels {
        Some(list) => list.iter().copied().collect(),
        None => ChannelSet::all(),
    };
    let branch = case
        .branch
        .as_deref()
        .map(str::parse::<Branch>)
        .transpose()
        .map_err(CaseError::Branch)?;
    let reg = Registration {
        at: reg_at,
        timezone,
        channels,
        contact_id: case.registration.contact_id.as_deref(),
    };
    let planned = plan(funnel, event, &reg, branch)?;
    let actual: Vec<SendReport> = planned.sends.iter().map(SendReport::from).collect();

    let mut expected_text = String::new();
    let mut actual_text = String::new();
    if let Some(c) = case.expect.compressed {
        let _ = writeln!(expected_text, "compressed: {c}");
        let _ = writeln!(actual_text, "compressed: {}", planned.compressed);
    }
    for e in &case.expect.sends {
        let _ = writeln!(expected_text, "{}", render_expected(e));
        let found = actual
            .iter()
            .find(|a| a.step == e.step && a.channel == e.channel.as_str());
        let _ = match found {
            Some(a) => writeln!(actual_text, "{}", render_actual_like(a, e)),
            None => writeln!(actual_text, "{} {}: (not planned)", e.step, e.channel),
        };
    }
    if case.expect.exhaustive {
        for a in &actual {
            let listed = case
                .expect
                .sends
                .iter()
                .any(|e| a.step == e.step && e.channel.as_str() == a.channel);
            if !listed {
                let _ = writeln!(actual_text, "{} (not listed)", render_full(a));
            }
        }
    }
    let diff = if expected_text == actual_text {
        String::new()
    } else {
        similar::TextDiff::from_lines(&expected_text, &actual_text)
            .unified_diff()
            .context_radius(2)
            .header("expected", "planned")
            .to_string()
    };
    Ok(CaseOutcome {
        name: case.name.clone(),
        diff,
    })
}

/// Times are compared as instants, so any RFC 3339 offset may be written.
fn normalize_time(t: &str) -> String {
    t.parse::<Timestamp>()
        .map(|ts| ts.to_string())
        .unwrap_or_else(|_| format!("{t} (not an RFC 3339 time)"))
}

fn render_expected(e: &ExpectedSend) -> String {
    let mut line = format!("{} {}:", e.step, e.channel);
    push_field(&mut line, "status", e.status.as_deref());
    push_field(
        &mut line,
        "reason",
        e.reason.as_ref().map(|r| r.as_deref().unwrap_or("null")),
    );
    push_field(
        &mut line,
        "send_at",
        e.send_at
            .as_ref()
            .map(|t| {
                t.as_deref()
                    .map(normalize_time)
                    .unwrap_or_else(|| "null".into())
            })
            .as_deref(),
    );
    push_field(
        &mut line,
        "nominal_at",
        e.nominal_at.as_deref().map(normalize_time).as_deref(),
    );
    push_field(&mut line, "template", e.template.as_deref());
    push_field(
        &mut line,
        "variant",
        e.variant.as_ref().map(|v| v.as_deref().unwrap_or("null")),
    );
    line
}

/// The actual send, showing only the fields the expectation checks.
fn render_actual_like(a: &SendReport, e: &ExpectedSend) -> String {
    let none = "null";
    let mut line = format!("{} {}:", a.step, a.channel);
    let pick = |want: bool, v: Option<&str>| {
        if want {
            Some(v.unwrap_or(none).to_string())
        } else {
            None
        }
    };
    push_field(
        &mut line,
        "status",
        pick(e.status.is_some(), Some(&a.status)).as_deref(),
    );
    push_field(
        &mut line,
        "reason",
        pick(e.reason.is_some(), a.reason.as_deref()).as_deref(),
    );
    push_field(
        &mut line,
        "send_at",
        pick(e.send_at.is_some(), a.send_at.as_deref()).as_deref(),
    );
    push_field(
        &mut line,
        "nominal_at",
        pick(e.nominal_at.is_some(), Some(&a.nominal_at)).as_deref(),
    );
    push_field(
        &mut line,
        "template",
        pick(e.template.is_some(), Some(&a.template)).as_deref(),
    );
    push_field(
        &mut line,
        "variant",
        pick(e.variant.is_some(), a.variant.as_deref()).as_deref(),
    );
    line
}

fn render_full(a: &SendReport) -> String {
    let mut line = format!("{} {}:", a.step, a.channel);
    push_field(&mut line, "status", Some(&a.status));
    push_field(&mut line, "reason", a.reason.as_deref());
    push_field(&mut line, "send_at", a.send_at.as_deref());
    line
}

fn push_field(line: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        let _ = write!(line, " {name}={v}");
    }
}

/// Parses an expectation file (YAML or JSON) with path-precise errors.
pub fn load_test_file(
    text: &str,
    format: crate::funnel::SourceFormat,
) -> Result<TestFile, Vec<crate::funnel::Problem>> {
    let value = crate::funnel::load::parse_value(text, format).map_err(|p| vec![p])?;
    serde_path_to_error::deserialize::<_, TestFile>(&value).map_err(|e| {
        let path = e.path().to_string();
        vec![crate::funnel::Problem::new(
            if path == "." { String::new() } else { path },
            e.inner().to_string(),
        )]
    })
}
