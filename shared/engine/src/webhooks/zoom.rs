//! Zoom's attendance webhooks, once the edge has verified and parsed them:
//! a participant joined a meeting or webinar, or it ended.

use crate::ports::ConferenceKind;
use jiff::Timestamp;
use std::fmt;

pub const PROVIDER: &str = "zoom";

/// `meeting.participant_joined` / `webinar.participant_joined`.
#[derive(Clone, PartialEq, Eq)]
pub struct ParticipantJoined {
    /// Built from the event (Zoom sends no event id; its retries repeat the
    /// body): the dedup key.
    pub event_id: String,
    pub kind: ConferenceKind,
    /// The meeting or webinar id, digits only.
    pub meeting_id: String,
    /// The Zoom registrant id, for participants who joined with their
    /// personal link.
    pub registrant_id: Option<String>,
    /// The participant's email, as Zoom knows it (not logged).
    pub email: Option<String>,
    pub joined_at: Option<Timestamp>,
}

impl fmt::Debug for ParticipantJoined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParticipantJoined")
            .field("event_id", &self.event_id)
            .field("kind", &self.kind)
            .field("meeting_id", &self.meeting_id)
            .field("registrant_id", &self.registrant_id)
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("joined_at", &self.joined_at)
            .finish()
    }
}

/// `meeting.ended` / `webinar.ended`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEnded {
    pub event_id: String,
    pub kind: ConferenceKind,
    pub meeting_id: String,
    pub ended_at: Option<Timestamp>,
}
