//! Which items are exported, decided by key alone (as `keys.rs` builds
//! them): registrations, events, contacts, messages and timeline entries.
//! Everything else (tenants, API keys, lookups, consent, step claims,
//! counts, funnels, suppressions, idempotency, dedup, audit) is skipped.

use crate::keys::{REGISTRATION_PREFIX, STEP_PREFIX, TIMELINE_PREFIX};
use crate::ports::Key;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Registration,
    Message,
    Timeline,
    Event,
    Contact,
}

impl Entity {
    pub const ALL: [Entity; 5] = [
        Entity::Registration,
        Entity::Message,
        Entity::Timeline,
        Entity::Event,
        Entity::Contact,
    ];

    /// The name in records and object keys (`registration/dt=…`).
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Registration => "registration",
            Entity::Message => "message",
            Entity::Timeline => "timeline",
            Entity::Event => "event",
            Entity::Contact => "contact",
        }
    }

    /// Top-level fields of `data` never exported: names and free-form
    /// fields of a contact, the stored API response of a registration.
    pub fn dropped_fields(self) -> &'static [&'static str] {
        match self {
            Entity::Contact => &["firstName", "lastName", "customFields"],
            Entity::Registration => &["response"],
            Entity::Message | Entity::Timeline | Entity::Event => &[],
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The exported entity an item with this key is, if any.
pub fn entity_of(key: &Key) -> Option<Entity> {
    let parts: Vec<&str> = key.pk.split('#').collect();
    let sk = key.sk.as_str();
    match parts.as_slice() {
        ["T", _, "EVENT", _] if sk.starts_with(REGISTRATION_PREFIX) => Some(Entity::Registration),
        ["T", _, "EVENT", _] if sk == "META" => Some(Entity::Event),
        // A send's record; `MSG#` items are sends recorded before 2026-12-02's
        // third session, when a send was a step state and a message apart.
        ["T", _, "ENR", _, _] if sk.starts_with(STEP_PREFIX) => Some(Entity::Message),
        ["T", _, "CONTACT", _] if sk.starts_with("MSG#") => Some(Entity::Message),
        ["T", _, "CONTACT", _] if sk == "PROFILE" => Some(Entity::Contact),
        ["T", _, "ENR", _, _] if sk.starts_with(TIMELINE_PREFIX) => Some(Entity::Timeline),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys;
    use jiff::Timestamp;
    use myx_core::Channel;

    #[test]
    fn the_five_entities_are_recognised_from_the_keys_the_engine_builds() {
        let at: Timestamp = "2026-11-20T14:03:12.345Z".parse().unwrap();
        let cases = [
            (keys::registration("t", "e", "c"), Entity::Registration),
            (keys::event("t", "e"), Entity::Event),
            (keys::contact("t", "c"), Entity::Contact),
            (
                keys::step_state("t", "e", "c", "welcome", Channel::Email),
                Entity::Message,
            ),
            (keys::message("t", "c", at, "msg_1"), Entity::Message),
            (
                keys::timeline_entry("t", "e", "c", at, "tl_1"),
                Entity::Timeline,
            ),
        ];
        for (key, entity) in cases {
            assert_eq!(entity_of(&key), Some(entity), "{key:?}");
        }
    }

    #[test]
    fn everything_else_is_skipped() {
        let at: Timestamp = "2026-11-20T14:03:12.345Z".parse().unwrap();
        let skipped = [
            keys::tenant("t"),
            keys::api_key("abc"),
            keys::event_ref("e"),
            keys::contact_by_email("t", "h"),
            keys::contact_by_phone("t", "h"),
            keys::contact_enrollment("t", "c", "e"),
            keys::consent("t", "c", Channel::Email, at, "1"),
            keys::enrollment("t", "e", "c"),
            keys::enrollment_by_id("t", "enr"),
            keys::message_by_provider_id("ses", "x"),
            keys::funnel_version("t", "f", 1),
            keys::funnel_head("t", "f"),
            keys::suppression("t", Channel::Sms, "h"),
            keys::idempotency("t", "h"),
            keys::webhook_dedup("zoom", "x"),
            keys::audit("t", at, "a"),
            keys::send_ledger("t", "c", Channel::Email, "2026-11-20"),
            // Near misses: wrong arity or prefix.
            Key::new("T#t#EVENT#e#x", "META"),
            Key::new("X#t#EVENT#e", "META"),
            Key::new("T#t#CONTACT#c", "MSGS"),
            Key::new("T#t#ENR#e", "TL#x"),
            Key::new("", ""),
        ];
        for key in skipped {
            assert_eq!(entity_of(&key), None, "{key:?}");
        }
    }

    #[test]
    fn names_match_the_documented_prefixes() {
        let names: Vec<&str> = Entity::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(
            names,
            ["registration", "message", "timeline", "event", "contact"]
        );
        assert_eq!(
            serde_json::to_value(Entity::Timeline).unwrap(),
            serde_json::json!("timeline")
        );
    }
}
