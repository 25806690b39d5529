//! The plan as the CLI and scripts see it (`myx funnel plan --format json`).

use super::{Plan, PlannedSend};
use crate::funnel::{Funnel, Phase};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    pub funnel: String,
    pub event: EventReport,
    pub registered_at: String,
    pub timezone: String,
    pub compressed: bool,
    pub sends: Vec<SendReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventReport {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendReport {
    pub step: String,
    pub phase: String,
    pub branch: Option<String>,
    pub channel: String,
    pub nominal_at: String,
    pub send_at: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    pub template: String,
    pub variant: Option<String>,
}

impl From<&PlannedSend<'_>> for SendReport {
    fn from(s: &PlannedSend<'_>) -> Self {
        SendReport {
            step: s.step.id.clone(),
            phase: match s.phase {
                Phase::PreEvent => "pre_event",
                Phase::PostEvent(_) => "post_event",
            }
            .to_string(),
            branch: s.branch().map(|b| b.as_str().to_string()),
            channel: s.channel.as_str().to_string(),
            nominal_at: s.nominal_at.to_string(),
            send_at: s.send_at.map(|t| t.to_string()),
            status: s.status.as_str().to_string(),
            reason: s.reason.map(|r| r.as_str().to_string()),
            template: s.template.to_string(),
            variant: s.variant.map(str::to_string),
        }
    }
}

impl PlanReport {
    pub fn new(
        funnel: &Funnel,
        event: super::EventWindow,
        registered_at: jiff::Timestamp,
        timezone: &str,
        plan: &Plan<'_>,
    ) -> Self {
        PlanReport {
            funnel: funnel.id.clone(),
            event: EventReport {
                start: event.start.to_string(),
                end: event.end.to_string(),
            },
            registered_at: registered_at.to_string(),
            timezone: timezone.to_string(),
            compressed: plan.compressed,
            sends: plan.sends.iter().map(SendReport::from).collect(),
        }
    }
}
