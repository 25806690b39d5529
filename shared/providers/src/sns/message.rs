//! The JSON document SNS posts to an HTTPS subscription, parsed without
//! trusting it: every field a string, no field twice, the type one of the
//! three SNS sends over HTTP.

use super::SnsError;
use serde::Deserialize;

/// What kind of SNS message this is (`Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    Notification,
    SubscriptionConfirmation,
    UnsubscribeConfirmation,
}

impl MessageType {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Notification" => MessageType::Notification,
            "SubscriptionConfirmation" => MessageType::SubscriptionConfirmation,
            "UnsubscribeConfirmation" => MessageType::UnsubscribeConfirmation,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Notification => "Notification",
            MessageType::SubscriptionConfirmation => "SubscriptionConfirmation",
            MessageType::UnsubscribeConfirmation => "UnsubscribeConfirmation",
        }
    }
}

/// The signature scheme (`SignatureVersion`): RSA PKCS#1 v1.5 over SHA-1
/// ("1", the default of a topic) or SHA-256 ("2").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureVersion {
    V1Sha1,
    V2Sha256,
}

/// An SNS message as received; its signature is not checked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsMessage {
    pub kind: MessageType,
    pub message_id: String,
    pub topic_arn: String,
    /// Only a Notification may have one; `null` counts as absent.
    pub subject: Option<String>,
    pub message: String,
    /// As sent (RFC 3339 UTC); it is part of what is signed.
    pub timestamp: String,
    /// Subscription and unsubscribe confirmations only.
    pub token: Option<String>,
    /// Subscription and unsubscribe confirmations only.
    pub subscribe_url: Option<String>,
    pub signature_version: String,
    pub signature: String,
    pub signing_cert_url: String,
}

/// The wire shape. Unknown fields (`UnsubscribeURL`, `MessageAttributes`)
/// are not signed and not needed; a repeated field is refused by serde, so
/// no two readers can see different values.
#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "Type")]
    kind: Option<String>,
    #[serde(rename = "MessageId")]
    message_id: Option<String>,
    #[serde(rename = "TopicArn")]
    topic_arn: Option<String>,
    #[serde(rename = "Subject")]
    subject: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "Timestamp")]
    timestamp: Option<String>,
    #[serde(rename = "Token")]
    token: Option<String>,
    #[serde(rename = "SubscribeURL")]
    subscribe_url: Option<String>,
    #[serde(rename = "SignatureVersion")]
    signature_version: Option<String>,
    #[serde(rename = "Signature")]
    signature: Option<String>,
    #[serde(rename = "SigningCertURL")]
    signing_cert_url: Option<String>,
}

fn required(value: Option<String>, name: &str) -> Result<String, SnsError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| SnsError::Malformed(format!("no {name}")))
}

impl SnsMessage {
    /// Parses a body. Not JSON, not an object of strings, or without the
    /// fields its type needs: [`SnsError::Malformed`]; another `Type`:
    /// [`SnsError::UnknownType`]; no `Signature` or `SigningCertURL`:
    /// [`SnsError::Unsigned`] (e.g. raw message delivery, which SNS does
    /// not sign).
    pub fn parse(body: &[u8]) -> Result<Self, SnsError> {
        let wire: Wire = serde_json::from_slice(body)
            .map_err(|e| SnsError::Malformed(format!("not an SNS message: {e}")))?;
        let kind_text = required(wire.kind, "Type")?;
        let kind = MessageType::parse(&kind_text)
            .ok_or_else(|| SnsError::UnknownType(kind_text.chars().take(64).collect()))?;
        let (Some(signature), Some(signing_cert_url)) = (
            wire.signature.filter(|s| !s.is_empty()),
            wire.signing_cert_url.filter(|s| !s.is_empty()),
        ) else {
            return Err(SnsError::Unsigned);
        };
        let confirmation = kind != MessageType::Notification;
        let (token, subscribe_url) = if confirmation {
            (
                Some(required(wire.token, "Token")?),
                Some(required(wire.subscribe_url, "SubscribeURL")?),
            )
        } else {
            (None, None)
        };
        Ok(SnsMessage {
            kind,
            message_id: required(wire.message_id, "MessageId")?,
            topic_arn: required(wire.topic_arn, "TopicArn")?,
            // A confirmation's string to sign has no Subject.
            subject: wire.subject.filter(|_| !confirmation),
            // An empty message is possible; absent is not.
            message: wire
                .message
                .ok_or_else(|| SnsError::Malformed("no Message".into()))?,
            timestamp: required(wire.timestamp, "Timestamp")?,
            token,
            subscribe_url,
            signature_version: required(wire.signature_version, "SignatureVersion")?,
            signature,
            signing_cert_url,
        })
    }

    /// The scheme `SignatureVersion` names, if we accept it.
    pub fn signature_version(&self) -> Result<SignatureVersion, SnsError> {
        match self.signature_version.as_str() {
            "1" => Ok(SignatureVersion::V1Sha1),
            "2" => Ok(SignatureVersion::V2Sha256),
            other => Err(SnsError::UnsupportedSignatureVersion(
                other.chars().take(16).collect(),
            )),
        }
    }

    /// The text SNS signed. A Notification signs Message, MessageId,
    /// Subject (only when present), Timestamp, TopicArn and Type; a
    /// subscription or unsubscribe confirmation signs Message, MessageId,
    /// SubscribeURL, Timestamp, Token, TopicArn and Type. Each is the name,
    /// a newline, the value, a newline, in that (byte) order.
    pub fn string_to_sign(&self) -> String {
        let mut fields: Vec<(&str, &str)> =
            vec![("Message", &self.message), ("MessageId", &self.message_id)];
        match self.kind {
            MessageType::Notification => {
                if let Some(subject) = &self.subject {
                    fields.push(("Subject", subject));
                }
            }
            MessageType::SubscriptionConfirmation | MessageType::UnsubscribeConfirmation => {
                fields.push(("SubscribeURL", self.subscribe_url.as_deref().unwrap_or("")));
            }
        }
        fields.push(("Timestamp", &self.timestamp));
        if self.kind != MessageType::Notification {
            fields.push(("Token", self.token.as_deref().unwrap_or("")));
        }
        fields.push(("TopicArn", &self.topic_arn));
        fields.push(("Type", self.kind.as_str()));
        let mut out = String::new();
        for (name, value) in fields {
            out.push_str(name);
            out.push('\n');
            out.push_str(value);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(subject: Option<&str>) -> SnsMessage {
        SnsMessage {
            kind: MessageType::Notification,
            message_id: "m-1".into(),
            topic_arn: "arn:aws:sns:us-east-1:123456789012:t".into(),
            subject: subject.map(str::to_string),
            message: "{\"a\":1}".into(),
            timestamp: "2026-12-01T10:00:00.000Z".into(),
            token: None,
            subscribe_url: None,
            signature_version: "2".into(),
            signature: "x".into(),
            signing_cert_url: "https://sns.us-east-1.amazonaws.com/x.pem".into(),
        }
    }

    #[test]
    fn a_notification_signs_subject_only_when_present() {
        assert_eq!(
            notification(None).string_to_sign(),
            "Message\n{\"a\":1}\nMessageId\nm-1\nTimestamp\n2026-12-01T10:00:00.000Z\n\
             TopicArn\narn:aws:sns:us-east-1:123456789012:t\nType\nNotification\n"
        );
        assert_eq!(
            notification(Some("Hi")).string_to_sign(),
            "Message\n{\"a\":1}\nMessageId\nm-1\nSubject\nHi\nTimestamp\n2026-12-01T10:00:00.000Z\n\
             TopicArn\narn:aws:sns:us-east-1:123456789012:t\nType\nNotification\n"
        );
    }

    #[test]
    fn a_confirmation_signs_subscribe_url_and_token() {
        let m = SnsMessage {
            kind: MessageType::UnsubscribeConfirmation,
            token: Some("tok".into()),
            subscribe_url: Some(
                "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription".into(),
            ),
            ..notification(None)
        };
        assert_eq!(
            m.string_to_sign(),
            "Message\n{\"a\":1}\nMessageId\nm-1\n\
             SubscribeURL\nhttps://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription\n\
             Timestamp\n2026-12-01T10:00:00.000Z\nToken\ntok\n\
             TopicArn\narn:aws:sns:us-east-1:123456789012:t\nType\nUnsubscribeConfirmation\n"
        );
    }

    #[test]
    fn parsing_refuses_what_sns_never_sends() {
        let ok = br#"{"Type":"Notification","MessageId":"m","TopicArn":"t","Message":"x",
            "Timestamp":"2026-12-01T10:00:00.000Z","SignatureVersion":"1","Signature":"s",
            "SigningCertURL":"https://sns.us-east-1.amazonaws.com/a.pem","Subject":null}"#;
        let m = SnsMessage::parse(ok).unwrap();
        assert_eq!(m.subject, None);
        assert_eq!(m.signature_version(), Ok(SignatureVersion::V1Sha1));
        assert!(matches!(
            SnsMessage::parse(b"nope"),
            Err(SnsError::Malformed(_))
        ));
        assert!(matches!(
            SnsMessage::parse(br#"{"Type":1}"#),
            Err(SnsError::Malformed(_))
        ));
        assert!(matches!(
            SnsMessage::parse(br#"{"Type":"Notification","Type":"Notification"}"#),
            Err(SnsError::Malformed(_))
        ));
        assert_eq!(
            SnsMessage::parse(br#"{"Type":"Teleport"}"#),
            Err(SnsError::UnknownType("Teleport".into()))
        );
        assert_eq!(
            SnsMessage::parse(br#"{"Type":"Notification","MessageId":"m","Message":"{}"}"#),
            Err(SnsError::Unsigned)
        );
        let no_token = br#"{"Type":"SubscriptionConfirmation","MessageId":"m","TopicArn":"t",
            "Message":"x","Timestamp":"t","SignatureVersion":"1","Signature":"s",
            "SigningCertURL":"u","SubscribeURL":"https://sns.us-east-1.amazonaws.com/"}"#;
        assert!(matches!(
            SnsMessage::parse(no_token),
            Err(SnsError::Malformed(m)) if m.contains("Token")
        ));
        let v3 = SnsMessage {
            signature_version: "3".into(),
            ..m
        };
        assert!(matches!(
            v3.signature_version(),
            Err(SnsError::UnsupportedSignatureVersion(_))
        ));
    }
}
