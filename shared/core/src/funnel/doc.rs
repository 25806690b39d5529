//! The funnel file format exactly as operators write it (YAML or JSON).
//!
//! These types are the source of `schema/funnel.schema.json`. Durations and
//! times stay strings here so the validator can report every bad one with its
//! path instead of stopping at the first; `model` holds the typed result.

use crate::channel::Channel;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const DURATION_PATTERN: &str = r"^\s*([0-9]+[wdhms])+\s*$";
const CLOCK_PATTERN: &str = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$";

/// A Myxelium funnel: what a registrant receives, on which channel, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Myxelium funnel")]
pub struct FunnelDoc {
    /// Funnel id: 1 to 64 characters of a-z, 0-9 and '-'.
    #[schemars(regex(pattern = r"^[a-z0-9-]{1,64}$"))]
    pub funnel: String,
    /// Human-readable name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub defaults: DefaultsDoc,
    /// Steps before the event, in the order they are meant to arrive.
    #[serde(default)]
    pub pre_event: Vec<StepDoc>,
    /// Steps after the event, by attendance.
    #[serde(default)]
    pub post_event: PostEventDoc,
    /// Message templates by key; steps refer to them by key.
    #[serde(default)]
    pub templates: BTreeMap<String, TemplateDoc>,
}

/// Funnel-wide timing and compliance defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultsDoc {
    /// Quiet hours in the recipient's zone (default 21:00 to 09:00, SMS only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<QuietHoursDoc>,
    /// Smallest gap between a flexible send and any kept send on the same channel (default 2h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub min_gap: Option<String>,
    /// Compress flexible pre-event steps for late registrants (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compress: Option<bool>,
    /// Most messages per contact per channel per local day (enforced at send time).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub daily_cap: BTreeMap<Channel, u32>,
}

/// A daily window, in the recipient's local time, in which nothing is sent on `channels`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHoursDoc {
    /// Local time the quiet window starts, HH:MM.
    #[schemars(regex(pattern = CLOCK_PATTERN))]
    pub start: String,
    /// Local time the quiet window ends, HH:MM (may be on the next day).
    #[schemars(regex(pattern = CLOCK_PATTERN))]
    pub end: String,
    /// Channels the window applies to (default: sms). An empty list disables quiet hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<Channel>>,
}

/// The post-event branches, chosen by real attendance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostEventDoc {
    #[serde(default)]
    pub attended: Vec<StepDoc>,
    #[serde(default)]
    pub no_show: Vec<StepDoc>,
}

/// One message of the funnel, sent on one or more channels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    /// Step id, unique in the funnel: 1 to 64 characters of a-z, 0-9, '-' and '_'.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9_-]{0,63}$"))]
    pub id: String,
    pub channels: Vec<Channel>,
    /// Key of the template in `templates`.
    pub template: String,
    pub send: SendDoc,
    /// A flexible step may be compressed, and is dropped if it lands too close to another send.
    #[serde(default)]
    pub flexible: bool,
    /// Send only if this condition holds at send time.
    #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
    pub when: Option<ConditionDoc>,
    /// Send only if this condition does not hold at send time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless: Option<ConditionDoc>,
    /// A/B variants; each contact gets one, chosen by a stable hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantDoc>,
}

/// When the step is sent: exactly one of `after_registration`, `before_event`,
/// `days_before_event` (with `at`), or `after_event_end` (post-event only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub after_registration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub before_event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 365))]
    pub days_before_event: Option<i64>,
    /// Local time for `days_before_event`, HH:MM in the recipient's zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = CLOCK_PATTERN))]
    pub at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub after_event_end: Option<String>,
}

/// A send-time condition: exactly one of `delivered`, `opened`, `clicked`,
/// `attribute`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionDoc {
    /// The provider reported this step's message (email or SMS) delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered: Option<String>,
    /// The contact opened the email of this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened: Option<String>,
    /// The contact clicked a link in this step's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clicked: Option<String>,
    /// A custom field of the enrollment equals a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<AttributeConditionDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeConditionDoc {
    pub name: String,
    pub equals: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantDoc {
    pub id: String,
    /// Relative weight, a positive number.
    pub weight: f64,
    /// Key of the template in `templates`.
    pub template: String,
}

/// A message template: an email body, an SMS body, or both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailTemplateDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsTemplateDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailTemplateDoc {
    pub subject: String,
    pub html: String,
    /// Plain-text part; derived from the HTML when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsTemplateDoc {
    pub body: String,
}
