//! SES events, as a configuration set's SNS event destination publishes
//! them (the `Message` of a verified SNS Notification), mapped to the
//! engine's [`EmailEvent`]. SES identity notifications (`notificationType`
//! instead of `eventType`) have the same shape and are read alike.
//!
//! The email is found by `mail.messageId`, the id SES v2 `SendEmail`
//! returned and the SES sender recorded under [`PROVIDER`]. The event id
//! (dedup) is the SNS MessageId.

use jiff::Timestamp;
use myx_engine::send_ref;
use myx_engine::webhooks::{EmailEvent, EmailEventKind};
use serde_json::Value;

/// The provider name SES sends are recorded under (myx-aws `SesSender`).
pub const PROVIDER: &str = "ses";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SesEventError {
    /// Not JSON, or not the shape of an SES event (→ 400).
    #[error("malformed SES event: {0}")]
    Malformed(String),
    /// An `eventType` SES does not publish (→ 422).
    #[error("unknown SES event type {0:?}")]
    UnknownType(String),
}

/// What an SES event asks of us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SesEvent {
    Email(EmailEvent),
    /// Understood, nothing to do (subscription events, a "not spam"
    /// feedback report, SES's subscription-succeeded notice).
    Ignored(String),
}

/// Parses the SNS `Message` of an SES event; `event_id` is the SNS MessageId.
pub fn parse(event_id: &str, message: &str) -> Result<SesEvent, SesEventError> {
    let value: Value = serde_json::from_str(message)
        .map_err(|e| SesEventError::Malformed(format!("not JSON: {e}")))?;
    let kind = value
        .get("eventType")
        .or_else(|| value.get("notificationType"))
        .and_then(Value::as_str)
        .ok_or_else(|| SesEventError::Malformed("no eventType".into()))?;
    // (our kind, the object holding its details and timestamp)
    let (kind, detail) = match kind {
        "Send" => (EmailEventKind::Sent, "send"),
        "Delivery" => (EmailEventKind::Delivered, "delivery"),
        "DeliveryDelay" => (EmailEventKind::DeliveryDelayed, "deliveryDelay"),
        "Bounce" => (
            EmailEventKind::Bounced {
                permanent: is_hard_bounce(&value),
            },
            "bounce",
        ),
        "Complaint" => {
            if is_not_spam(&value) {
                return Ok(SesEvent::Ignored("Complaint (not-spam)".into()));
            }
            (EmailEventKind::Complained, "complaint")
        }
        "Open" => (EmailEventKind::Opened, "open"),
        "Click" => (EmailEventKind::Clicked, "click"),
        "Reject" => (EmailEventKind::Failed, "reject"),
        "Rendering Failure" => (EmailEventKind::Failed, "failure"),
        "Subscription" | "AmazonSnsSubscriptionSucceeded" => {
            return Ok(SesEvent::Ignored(kind.to_string()))
        }
        other => return Err(SesEventError::UnknownType(other.chars().take(64).collect())),
    };
    let message_id = value
        .pointer("/mail/messageId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| SesEventError::Malformed("no mail.messageId".into()))?;
    let time = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<Timestamp>().ok())
    };
    let at = time(&format!("/{detail}/timestamp")).or_else(|| time("/mail/timestamp"));
    // Tags come back as lists of values; ours holds one.
    let send_ref = value
        .pointer(&format!("/mail/tags/{}/0", send_ref::SES_TAG))
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(SesEvent::Email(EmailEvent {
        event_id: event_id.to_string(),
        provider_message_id: message_id.to_string(),
        send_ref,
        kind,
        at,
    }))
}

/// `bounce.bounceType` is `Permanent` for a hard bounce (`Transient` and
/// `Undetermined` are soft: SES may still deliver, or we cannot tell).
fn is_hard_bounce(value: &Value) -> bool {
    value.pointer("/bounce/bounceType").and_then(Value::as_str) == Some("Permanent")
}

/// A feedback report saying the message is not spam is no complaint.
fn is_not_spam(value: &Value) -> bool {
    value
        .pointer("/complaint/complaintFeedbackType")
        .and_then(Value::as_str)
        == Some("not-spam")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, extra: Value) -> String {
        let mut v = serde_json::json!({
            "eventType": kind,
            "mail": {"timestamp": "2026-12-01T10:00:00.000Z", "messageId": "0100-abc-000000",
                     "destination": ["ada@example.com"]}
        });
        if let (Some(obj), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            obj.extend(extra.clone());
        }
        v.to_string()
    }

    fn email(kind: &str, extra: Value) -> EmailEvent {
        match parse("sns-1", &event(kind, extra)).unwrap() {
            SesEvent::Email(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_send_reference_comes_from_its_tag() {
        let tagged = email(
            "Delivery",
            serde_json::json!({"mail": {"messageId": "0100-abc-000000",
                "tags": {"ses:configuration-set": ["myx"], "myx_send": ["WyJhIl0"]}}}),
        );
        assert_eq!(tagged.send_ref.as_deref(), Some("WyJhIl0"));
        assert_eq!(email("Delivery", serde_json::json!({})).send_ref, None);
    }

    #[test]
    fn every_event_type_maps_with_its_own_timestamp() {
        let bounce = email(
            "Bounce",
            serde_json::json!({"bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                "timestamp": "2026-12-01T10:00:05.000Z"}}),
        );
        assert_eq!(bounce.kind, EmailEventKind::Bounced { permanent: true });
        assert_eq!(bounce.provider_message_id, "0100-abc-000000");
        assert_eq!(bounce.event_id, "sns-1");
        assert_eq!(bounce.at, Some("2026-12-01T10:00:05Z".parse().unwrap()));
        for soft in ["Transient", "Undetermined"] {
            let e = email(
                "Bounce",
                serde_json::json!({"bounce": {"bounceType": soft}}),
            );
            assert_eq!(e.kind, EmailEventKind::Bounced { permanent: false });
            assert_eq!(
                e.at,
                Some("2026-12-01T10:00:00Z".parse().unwrap()),
                "mail.timestamp"
            );
        }
        for (kind, want) in [
            ("Send", EmailEventKind::Sent),
            ("Delivery", EmailEventKind::Delivered),
            ("DeliveryDelay", EmailEventKind::DeliveryDelayed),
            ("Complaint", EmailEventKind::Complained),
            ("Open", EmailEventKind::Opened),
            ("Click", EmailEventKind::Clicked),
            ("Reject", EmailEventKind::Failed),
            ("Rendering Failure", EmailEventKind::Failed),
        ] {
            assert_eq!(email(kind, serde_json::json!({})).kind, want, "{kind}");
        }
        let open = email(
            "Open",
            serde_json::json!({"open": {"timestamp": "2026-12-02T08:00:00.000Z"}}),
        );
        assert_eq!(open.at, Some("2026-12-02T08:00:00Z".parse().unwrap()));
    }

    #[test]
    fn identity_notifications_read_alike() {
        let body = r#"{"notificationType":"Complaint","complaint":{"timestamp":"2026-12-01T11:00:00Z"},
            "mail":{"messageId":"0100-x"}}"#;
        let SesEvent::Email(e) = parse("n", body).unwrap() else {
            panic!("an email event")
        };
        assert_eq!(e.kind, EmailEventKind::Complained);
    }

    #[test]
    fn not_spam_and_subscription_events_are_ignored() {
        let not_spam = event(
            "Complaint",
            serde_json::json!({"complaint": {"complaintFeedbackType": "not-spam"}}),
        );
        assert!(matches!(parse("n", &not_spam), Ok(SesEvent::Ignored(_))));
        assert!(matches!(
            parse("n", &event("Subscription", serde_json::json!({}))),
            Ok(SesEvent::Ignored(_))
        ));
    }

    #[test]
    fn garbage_and_unknown_types_are_refused() {
        for bad in [
            "",
            "nope",
            "[]",
            "{}",
            r#"{"eventType":"Open"}"#,
            r#"{"eventType":"Open","mail":{"messageId":""}}"#,
        ] {
            assert!(
                matches!(parse("n", bad), Err(SesEventError::Malformed(_))),
                "{bad}"
            );
        }
        assert_eq!(
            parse("n", &event("Teleport", serde_json::json!({}))),
            Err(SesEventError::UnknownType("Teleport".into()))
        );
    }
}
