//! The entities the engine stores, as they sit in an item's `data`.
//! Field names are camelCase because these documents are also what the
//! stream export hands to analysts.

use jiff::Timestamp;
use myx_core::Channel;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    ZoomMeeting,
    ZoomWebinar,
    InPerson,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Scheduled,
    Cancelled,
    Completed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub timezone: String,
    pub platform: Platform,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoom_meeting_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_url: Option<String>,
    pub funnel_id: String,
    /// The funnel version this event is pinned to.
    pub funnel_version: u64,
    pub status: EventStatus,
    /// Bumped on every reschedule; timers carrying an older one do nothing.
    pub schedule_version: u64,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactRecord {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom_fields: Map<String, Value>,
    pub created_at: Timestamp,
}

impl ContactRecord {
    /// Where `channel` reaches this contact: the normalised email, or the
    /// E.164 phone number (if any).
    pub fn address(&self, channel: Channel) -> Option<String> {
        match channel {
            Channel::Email => Some(crate::keys::normalize_email(&self.email)),
            Channel::Sms => self.phone.clone(),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Consent {
    pub email: bool,
    pub sms: bool,
}

impl Consent {
    pub fn channels(self) -> myx_core::ChannelSet {
        let mut set = myx_core::ChannelSet::empty();
        if self.email {
            set.insert(Channel::Email);
        }
        if self.sms {
            set.insert(Channel::Sms);
        }
        set
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    Unknown,
    Attended,
    NoShow,
}

/// A contact's registration for an event (the enrollment). Lives in the
/// event's partition so the event-step fan-out can page through them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationRecord {
    pub enrollment_id: String,
    pub event_id: String,
    pub contact_id: String,
    pub registered_at: Timestamp,
    pub timezone: String,
    pub consent: Consent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrant_id: Option<String>,
    pub attendance: Attendance,
    /// SHA-256 of the Idempotency-Key the enrollment came with: a retry
    /// with the same key is answered as the first request was (201), even
    /// when the enrollment's last writes never landed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    // Registrations written before 2026-12-02 also hold `response` (the
    // first answer); it is ignored: a duplicate's 409 is rebuilt.
}

impl RegistrationRecord {
    /// The post-event branch this registrant follows: not marked attended
    /// is a no-show.
    pub fn branch(&self) -> myx_core::Branch {
        match self.attendance {
            Attendance::Attended => myx_core::Branch::Attended,
            Attendance::NoShow | Attendance::Unknown => myx_core::Branch::NoShow,
        }
    }

    /// This registration as planner input; `None` when the stored zone is
    /// unknown to the time-zone database.
    pub fn planner_input(&self) -> Option<myx_core::Registration<'_>> {
        Some(myx_core::Registration {
            at: self.registered_at,
            timezone: jiff::tz::TimeZone::get(&self.timezone).ok()?,
            channels: self.consent.channels(),
            contact_id: Some(&self.contact_id),
        })
    }
}

impl EventRecord {
    /// When the event runs, as the planner sees it.
    pub fn window(&self) -> myx_core::EventWindow {
        myx_core::EventWindow {
            start: self.starts_at,
            end: self.ends_at,
        }
    }

    /// The Zoom meeting or webinar registrants are added to; `None` for
    /// other platforms.
    pub fn conference(&self) -> Option<crate::ports::Conference> {
        use crate::ports::{Conference, ConferenceKind};
        let kind = match self.platform {
            Platform::ZoomMeeting => ConferenceKind::Meeting,
            Platform::ZoomWebinar => ConferenceKind::Webinar,
            Platform::InPerson | Platform::Other => return None,
        };
        Some(Conference {
            kind,
            id: self.zoom_meeting_id.clone()?,
        })
    }
}

/// Maps an enrollment id to its event and contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentRef {
    pub event_id: String,
    pub contact_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    Enrolled,
    Planned,
    Sent,
    Deferred,
    Skipped,
    Cancelled,
    Failed,
    Suppressed,
    Resubscribed,
    Attendance,
    /// An inbound message that was not a keyword.
    Reply,
}

/// One decision on an enrollment's timeline: the answer to "why did (or
/// didn't) this person get that message?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub kind: TimelineKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// When the send is (or was) due, for planned and deferred entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunnelVersionRecord {
    pub funnel_id: String,
    pub version: u64,
    /// The funnel document as JSON (the validated source).
    pub document: Value,
    pub stored_at: Timestamp,
}

/// The latest version number of a funnel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunnelHead {
    pub funnel_id: String,
    pub latest: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantRecord {
    pub id: String,
    pub business_name: String,
    pub postal_address: String,
    pub sender_email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyRecord {
    pub tenant_id: String,
    pub created_at: Timestamp,
}

/// Serialises a record into an item's `data` (records always serialise).
pub fn to_data<T: Serialize>(record: &T) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

/// Reads a record back; a document that does not fit is a corrupt store.
pub fn from_data<T: serde::de::DeserializeOwned>(
    item: &crate::ports::Item,
) -> Result<T, crate::ports::StoreError> {
    // From a reference: no copy of the whole tree first.
    T::deserialize(&item.data).map_err(|e| {
        crate::ports::StoreError::Invalid(format!(
            "item {}/{} does not hold the expected record: {e}",
            item.key.pk, item.key.sk
        ))
    })
}
