//! Zoom's webhook bodies (JSON; verify the signature first, see
//! [`super::signature`]): URL validation, participants joining and
//! sessions ending, mapped to the engine's types. Meeting ids arrive as
//! JSON numbers or as strings; both are accepted.

use jiff::Timestamp;
use myx_engine::webhooks::zoom::{ParticipantJoined, SessionEnded};
use myx_engine::ConferenceKind;
use serde_json::{json, Value};

use super::signature::ZoomWebhookSecret;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoomWebhookError {
    /// Not JSON, or not the shape of a Zoom event (→ 400).
    #[error("malformed event: {0}")]
    Malformed(String),
    /// An `event` we neither act on nor know (→ 422).
    #[error("unknown event type {0:?}")]
    UnknownType(String),
}

/// What a Zoom request asks of us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoomWebhook {
    /// `endpoint.url_validation`: answer with [`url_validation_answer`].
    UrlValidation {
        plain_token: String,
    },
    ParticipantJoined(ParticipantJoined),
    Ended(SessionEnded),
    /// A Zoom event we do not act on (started, left, ...): acknowledged.
    Ignored(String),
}

/// Zoom events that carry nothing for us, acknowledged when subscribed to.
const IGNORED: &[&str] = &[
    "meeting.started",
    "webinar.started",
    "meeting.participant_left",
    "webinar.participant_left",
    "meeting.participant_joined_waiting_room",
    "meeting.participant_left_waiting_room",
    "meeting.participant_admitted",
    "meeting.participant_put_in_waiting_room",
    "meeting.participant_jbh_joined",
    "meeting.participant_jbh_waiting",
    "meeting.registration_created",
    "webinar.registration_created",
    "meeting.registration_cancelled",
    "webinar.registration_cancelled",
    "meeting.created",
    "meeting.updated",
    "meeting.deleted",
    "webinar.created",
    "webinar.updated",
    "webinar.deleted",
    "recording.completed",
];

/// Parses a verified body.
pub fn parse(body: &[u8]) -> Result<ZoomWebhook, ZoomWebhookError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ZoomWebhookError::Malformed(format!("not JSON: {e}")))?;
    let event = value
        .get("event")
        .and_then(Value::as_str)
        .ok_or_else(|| ZoomWebhookError::Malformed("no `event`".into()))?;
    let (kind, what) = match event {
        "endpoint.url_validation" => return url_validation(&value),
        "meeting.participant_joined" => (ConferenceKind::Meeting, What::Joined),
        "webinar.participant_joined" => (ConferenceKind::Webinar, What::Joined),
        "meeting.ended" => (ConferenceKind::Meeting, What::Ended),
        "webinar.ended" => (ConferenceKind::Webinar, What::Ended),
        other if IGNORED.contains(&other) => return Ok(ZoomWebhook::Ignored(other.to_string())),
        other => {
            return Err(ZoomWebhookError::UnknownType(
                other.chars().take(64).collect(),
            ))
        }
    };
    let object = value
        .pointer("/payload/object")
        .filter(|o| o.is_object())
        .ok_or_else(|| ZoomWebhookError::Malformed("no `payload.object`".into()))?;
    let meeting_id = meeting_id(object.get("id"))?;
    let uuid = text(object.get("uuid")).unwrap_or_default();
    let event_ts = value
        .get("event_ts")
        .map(Value::to_string)
        .unwrap_or_default();
    match what {
        What::Joined => {
            let participant = object
                .get("participant")
                .filter(|p| p.is_object())
                .ok_or_else(|| {
                    ZoomWebhookError::Malformed("no `payload.object.participant`".into())
                })?;
            let who = ["participant_uuid", "user_id", "id"]
                .iter()
                .find_map(|k| text(participant.get(*k)))
                .unwrap_or_default();
            Ok(ZoomWebhook::ParticipantJoined(ParticipantJoined {
                event_id: format!("{event}:{event_ts}:{uuid}:{who}"),
                kind,
                meeting_id,
                registrant_id: text(participant.get("registrant_id")),
                email: text(participant.get("email")),
                joined_at: time(participant.get("join_time")),
            }))
        }
        What::Ended => Ok(ZoomWebhook::Ended(SessionEnded {
            event_id: format!("{event}:{event_ts}:{uuid}"),
            kind,
            meeting_id,
            ended_at: time(object.get("end_time")),
        })),
    }
}

enum What {
    Joined,
    Ended,
}

fn url_validation(value: &Value) -> Result<ZoomWebhook, ZoomWebhookError> {
    let plain = value
        .pointer("/payload/plainToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or_else(|| {
            ZoomWebhookError::Malformed("no `payload.plainToken` (1 to 256 characters)".into())
        })?;
    Ok(ZoomWebhook::UrlValidation {
        plain_token: plain.to_string(),
    })
}

/// The answer to a URL validation: `{"plainToken", "encryptedToken"}`.
pub fn url_validation_answer(secret: &ZoomWebhookSecret, plain_token: &str) -> Value {
    json!({
        "plainToken": plain_token,
        "encryptedToken": secret.encrypt_token(plain_token),
    })
}

/// A meeting or webinar id: a JSON number or a string of digits.
fn meeting_id(value: Option<&Value>) -> Result<String, ZoomWebhookError> {
    let id = match value {
        Some(Value::Number(n)) => n.as_u64().map(|n| n.to_string()),
        Some(Value::String(s)) => Some(s.trim().to_string()),
        _ => None,
    };
    id.filter(|s| (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            ZoomWebhookError::Malformed(
                "`payload.object.id` must be a meeting id (a number or a string of digits)".into(),
            )
        })
}

/// A non-blank string field.
fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn time(value: Option<&Value>) -> Option<Timestamp> {
    value.and_then(Value::as_str)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(id: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "event": "meeting.participant_joined", "event_ts": 1765386120123u64,
            "payload": {"account_id": "a", "object": {"uuid": "u1==", "id": id,
                "participant": {"user_id": "167", "user_name": "Ada", "email": " ada@example.com ",
                    "registrant_id": "reg1", "join_time": "2026-12-10T17:02:00Z",
                    "participant_uuid": "pu1"}}}
        }))
        .unwrap()
    }

    #[test]
    fn meeting_ids_are_accepted_as_numbers_and_strings() {
        for id in [
            json!(85746065123u64),
            json!("85746065123"),
            json!(" 85746065123 "),
        ] {
            let ZoomWebhook::ParticipantJoined(p) = parse(&joined(id.clone())).unwrap() else {
                panic!("a join")
            };
            assert_eq!(p.meeting_id, "85746065123", "{id}");
            assert_eq!(p.kind, ConferenceKind::Meeting);
            assert_eq!(p.registrant_id.as_deref(), Some("reg1"));
            assert_eq!(p.email.as_deref(), Some("ada@example.com"));
            assert_eq!(p.joined_at, Some("2026-12-10T17:02:00Z".parse().unwrap()));
            assert_eq!(
                p.event_id,
                "meeting.participant_joined:1765386120123:u1==:pu1"
            );
            assert!(!format!("{p:?}").contains("ada@"), "Debug hides the email");
        }
        for bad in [
            json!(-1),
            json!(1.5),
            json!("85 7460"),
            json!(""),
            json!(null),
            json!({}),
        ] {
            assert!(
                matches!(
                    parse(&joined(bad.clone())),
                    Err(ZoomWebhookError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn ended_sessions_and_validation_parse() {
        let body = br#"{"event":"webinar.ended","event_ts":1,"payload":{"object":{"uuid":"w==","id":"912","end_time":"2026-12-10T18:04:00Z"}}}"#;
        assert_eq!(
            parse(body).unwrap(),
            ZoomWebhook::Ended(SessionEnded {
                event_id: "webinar.ended:1:w==".into(),
                kind: ConferenceKind::Webinar,
                meeting_id: "912".into(),
                ended_at: Some("2026-12-10T18:04:00Z".parse().unwrap()),
            })
        );
        let body =
            br#"{"payload":{"plainToken":"abc"},"event_ts":1,"event":"endpoint.url_validation"}"#;
        assert_eq!(
            parse(body).unwrap(),
            ZoomWebhook::UrlValidation {
                plain_token: "abc".into()
            }
        );
    }

    #[test]
    fn garbage_and_unknown_types_are_refused_and_others_ignored() {
        for bad in [
            &b"nope"[..],
            b"[]",
            b"{}",
            br#"{"event":7}"#,
            br#"{"event":"meeting.ended"}"#,
            br#"{"event":"meeting.ended","payload":{"object":"x"}}"#,
            br#"{"event":"meeting.participant_joined","payload":{"object":{"id":1}}}"#,
            br#"{"event":"endpoint.url_validation","payload":{}}"#,
            br#"{"event":"endpoint.url_validation","payload":{"plainToken":""}}"#,
        ] {
            assert!(
                matches!(parse(bad), Err(ZoomWebhookError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(
            parse(br#"{"event":"meeting.teleported","payload":{}}"#),
            Err(ZoomWebhookError::UnknownType("meeting.teleported".into()))
        );
        assert_eq!(
            parse(br#"{"event":"meeting.participant_left","payload":{}}"#),
            Ok(ZoomWebhook::Ignored("meeting.participant_left".into()))
        );
    }
}
