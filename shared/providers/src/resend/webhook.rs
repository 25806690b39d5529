//! Resend's webhook events (JSON, signed with Svix: verify first, see
//! [`crate::svix`]), mapped to the engine's [`EmailEvent`].

use jiff::Timestamp;
use myx_engine::webhooks::{EmailEvent, EmailEventKind};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResendWebhookError {
    /// Not JSON, or not the shape of a Resend event (→ 400).
    #[error("malformed event: {0}")]
    Malformed(String),
    /// A `type` Resend does not send (→ 422).
    #[error("unknown event type {0:?}")]
    UnknownType(String),
}

/// What a Resend event asks of us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResendEvent {
    Email(EmailEvent),
    /// A Resend event type we do not act on (scheduled, received, contact.*,
    /// domain.*): acknowledged.
    Ignored(String),
}

/// Event types Resend documents that carry nothing for us.
const IGNORED: &[&str] = &[
    "email.scheduled",
    "email.received",
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "domain.created",
    "domain.updated",
    "domain.deleted",
];

/// Parses a verified body; `event_id` is its `svix-id` (the dedup key).
pub fn parse(event_id: &str, body: &[u8]) -> Result<ResendEvent, ResendWebhookError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ResendWebhookError::Malformed(format!("not JSON: {e}")))?;
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| ResendWebhookError::Malformed("no `type`".into()))?;
    let kind = match kind {
        "email.sent" => EmailEventKind::Sent,
        "email.delivered" => EmailEventKind::Delivered,
        "email.delivery_delayed" => EmailEventKind::DeliveryDelayed,
        "email.bounced" => EmailEventKind::Bounced {
            permanent: is_hard_bounce(&value),
        },
        "email.complained" => EmailEventKind::Complained,
        "email.opened" => EmailEventKind::Opened,
        "email.clicked" => EmailEventKind::Clicked,
        "email.failed" => EmailEventKind::Failed,
        other if IGNORED.contains(&other) => return Ok(ResendEvent::Ignored(other.to_string())),
        other => {
            return Err(ResendWebhookError::UnknownType(
                other.chars().take(64).collect(),
            ))
        }
    };
    let email_id = value
        .pointer("/data/email_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ResendWebhookError::Malformed("no `data.email_id`".into()))?;
    let at = value
        .get("created_at")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<Timestamp>().ok());
    Ok(ResendEvent::Email(EmailEvent {
        event_id: event_id.to_string(),
        provider_message_id: email_id.to_string(),
        // Resend's sends are indexed by its id (`Sent::echoes_send_ref`).
        send_ref: None,
        kind,
        at,
    }))
}

/// `data.bounce.type` is `Permanent` for a hard bounce (`Transient` and
/// `Undetermined` are soft).
fn is_hard_bounce(value: &Value) -> bool {
    value
        .pointer("/data/bounce/type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("permanent"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_map_to_email_events() {
        let body = br#"{"type":"email.bounced","created_at":"2026-12-01T10:00:00.123Z",
            "data":{"email_id":"re_1","to":["ada@example.com"],"bounce":{"type":"Permanent","subType":"General"}}}"#;
        let ResendEvent::Email(e) = parse("msg_a", body).unwrap() else {
            panic!("an email event")
        };
        assert_eq!(e.kind, EmailEventKind::Bounced { permanent: true });
        assert_eq!(e.provider_message_id, "re_1");
        assert_eq!(e.event_id, "msg_a");
        assert_eq!(e.at, Some("2026-12-01T10:00:00.123Z".parse().unwrap()));
        let soft =
            br#"{"type":"email.bounced","data":{"email_id":"re_1","bounce":{"type":"Transient"}}}"#;
        assert!(matches!(
            parse("m", soft).unwrap(),
            ResendEvent::Email(EmailEvent {
                kind: EmailEventKind::Bounced { permanent: false },
                ..
            })
        ));
        let opened = br#"{"type":"email.opened","data":{"email_id":"re_2"}}"#;
        assert!(matches!(
            parse("m", opened).unwrap(),
            ResendEvent::Email(EmailEvent {
                kind: EmailEventKind::Opened,
                at: None,
                ..
            })
        ));
    }

    #[test]
    fn garbage_and_unknown_types_are_refused_and_others_ignored() {
        assert!(matches!(
            parse("m", b"nope"),
            Err(ResendWebhookError::Malformed(_))
        ));
        assert!(matches!(
            parse("m", b"[]"),
            Err(ResendWebhookError::Malformed(_))
        ));
        assert!(matches!(
            parse("m", br#"{"type":"email.delivered","data":{}}"#),
            Err(ResendWebhookError::Malformed(_))
        ));
        assert_eq!(
            parse(
                "m",
                br#"{"type":"email.teleported","data":{"email_id":"x"}}"#
            ),
            Err(ResendWebhookError::UnknownType("email.teleported".into()))
        );
        assert_eq!(
            parse("m", br#"{"type":"contact.created","data":{}}"#),
            Ok(ResendEvent::Ignored("contact.created".into()))
        );
    }
}
