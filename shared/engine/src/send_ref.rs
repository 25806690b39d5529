//! A send's reference: its record's key (tenant, event, contact, step,
//! channel) in a form providers carry back in their webhooks. SES returns
//! it as a message tag, Twilio in the status callback URL it signs. A
//! webhook then reads the record by key, and the record needs no GSI1 entry
//! by the provider's id: one write unit per send less on DynamoDB
//! (docs/COST.md). Webhooks trust it only as far as their signature does,
//! and only if the record found names the provider's id as well.

use crate::keys;
use crate::ports::Key;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use myx_core::Channel;

/// The longest reference providers keep: an SES tag value is up to 256
/// characters of `[A-Za-z0-9_-]`, which base64url stays within. A longer
/// one is not made, and the send is indexed by the provider's id instead.
pub const MAX_LEN: usize = 256;

/// The SES message tag that carries the reference (the SES adapter sets
/// it, the SES event parser reads it back).
pub const SES_TAG: &str = "myx_send";

/// What a reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRef {
    pub tenant: String,
    pub event_id: String,
    pub contact_id: String,
    pub step: String,
    pub channel: Channel,
}

impl SendRef {
    /// The send's record.
    pub fn key(&self) -> Key {
        keys::step_state(
            &self.tenant,
            &self.event_id,
            &self.contact_id,
            &self.step,
            self.channel,
        )
    }

    /// base64url (no padding) of the five parts as a JSON array; `None`
    /// when longer than [`MAX_LEN`].
    pub fn encode(&self) -> Option<String> {
        let parts = [
            self.tenant.as_str(),
            self.event_id.as_str(),
            self.contact_id.as_str(),
            self.step.as_str(),
            self.channel.as_str(),
        ];
        let json = serde_json::to_vec(&parts).ok()?;
        let encoded = URL_SAFE_NO_PAD.encode(json);
        (encoded.len() <= MAX_LEN).then_some(encoded)
    }

    /// The reference `text` names; `None` for anything else (webhooks then
    /// look the message up by the provider's id).
    pub fn decode(text: &str) -> Option<Self> {
        if text.len() > MAX_LEN {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(text).ok()?;
        let [tenant, event_id, contact_id, step, channel]: [String; 5] =
            serde_json::from_slice(&json).ok()?;
        Some(Self {
            tenant,
            event_id,
            contact_id,
            step,
            channel: channel.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SendRef {
        SendRef {
            tenant: "acme".into(),
            event_id: "evt_01JDXQ3M7Y2F8K4B6N9P0R5S1T".into(),
            contact_id: "ct_01JDXQ3M7Y2F8K4B6N9P0R5S1T".into(),
            step: "reminder-24h".into(),
            channel: Channel::Sms,
        }
    }

    #[test]
    fn a_reference_names_the_send_it_was_made_for() {
        let encoded = sample().encode().unwrap();
        assert!(encoded
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert!(encoded.len() <= MAX_LEN);
        assert_eq!(SendRef::decode(&encoded), Some(sample()));
        assert_eq!(
            SendRef::decode(&encoded).unwrap().key(),
            keys::step_state(
                "acme",
                "evt_01JDXQ3M7Y2F8K4B6N9P0R5S1T",
                "ct_01JDXQ3M7Y2F8K4B6N9P0R5S1T",
                "reminder-24h",
                Channel::Sms
            )
        );
    }

    #[test]
    fn too_long_for_a_tag_is_not_made() {
        let long = SendRef {
            step: "s".repeat(200),
            ..sample()
        };
        assert_eq!(long.encode(), None);
    }

    #[test]
    fn anything_else_decodes_to_nothing() {
        let json = |v: &str| URL_SAFE_NO_PAD.encode(v);
        for bad in [
            "".to_string(),
            "not base64!".to_string(),
            json("{}"),
            json(r#"["a","b","c","d"]"#),
            json(r#"["a","b","c","d","fax"]"#),
            json(r#"["a","b","c","d","email","f"]"#),
            "A".repeat(MAX_LEN + 1),
        ] {
            assert_eq!(SendRef::decode(&bad), None, "{bad:?}");
        }
    }
}
