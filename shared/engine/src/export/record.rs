//! One table change as one export record (`infra/README.md`, "Records").

use super::entity::{entity_of, Entity};
use super::pseudonymise::pseudonymise_object;
use super::sequence::Sequence;
use super::ExportError;
use crate::ports::Key;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// The kind of change (a DynamoDB stream's `eventName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Op {
    Insert,
    Modify,
    Remove,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Insert => "INSERT",
            Op::Modify => "MODIFY",
            Op::Remove => "REMOVE",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not `INSERT`, `MODIFY` or `REMOVE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a change operation (expected INSERT, MODIFY or REMOVE)")]
pub struct UnknownOp;

impl FromStr for Op {
    type Err = UnknownOp;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "INSERT" => Ok(Op::Insert),
            "MODIFY" => Ok(Op::Modify),
            "REMOVE" => Ok(Op::Remove),
            _ => Err(UnknownOp),
        }
    }
}

/// One change of one item, as a table's stream reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub op: Op,
    pub key: Key,
    /// The item's `data` before the change (`None` for an insert).
    pub old: Option<Value>,
    /// The item's `data` after the change (`None` for a removal).
    pub new: Option<Value>,
    /// When the change happened (the stream's approximate creation time).
    pub at: Timestamp,
    /// The stream's sequence number: decimal digits, increasing per item.
    pub seq: String,
}

/// `{pk, sk}` as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportKey {
    pub pk: String,
    pub sk: String,
}

/// One line of an export object. Fields serialise in the documented order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRecord {
    pub entity: Entity,
    pub op: Op,
    pub seq: Sequence,
    pub key: ExportKey,
    /// Whole seconds, UTC (`2026-11-20T14:03:12Z`).
    pub at: Timestamp,
    pub new: Option<Value>,
    pub old: Option<Value>,
}

impl ExportRecord {
    /// The record's partition: the UTC date of `at` (`YYYY-MM-DD`).
    pub fn dt(&self) -> String {
        self.at.strftime("%Y-%m-%d").to_string()
    }
}

/// The export record of `change`, or `None` when its item is not exported.
/// An exported item's change must carry a decimal sequence number, the
/// images its operation implies (insert: new; modify: both; remove: old),
/// and data that is a JSON object.
pub fn record_of(change: &Change) -> Result<Option<ExportRecord>, ExportError> {
    let Some(entity) = entity_of(&change.key) else {
        return Ok(None);
    };
    let key = &change.key;
    let seq =
        Sequence::parse(&change.seq).ok_or_else(|| ExportError::Sequence { key: key.clone() })?;
    let (needs_old, needs_new) = match change.op {
        Op::Insert => (false, true),
        Op::Modify => (true, true),
        Op::Remove => (true, false),
    };
    let missing = |which| ExportError::MissingImage {
        key: key.clone(),
        op: change.op,
        which,
    };
    if needs_new && change.new.is_none() {
        return Err(missing("new"));
    }
    if needs_old && change.old.is_none() {
        return Err(missing("old"));
    }
    let new = match change.op {
        Op::Remove => None,
        Op::Insert | Op::Modify => document(entity, key, change.new.as_ref(), "new")?,
    };
    let old = match change.op {
        Op::Insert => None,
        Op::Modify | Op::Remove => document(entity, key, change.old.as_ref(), "old")?,
    };
    Ok(Some(ExportRecord {
        entity,
        op: change.op,
        seq,
        key: ExportKey {
            pk: key.pk.clone(),
            sk: key.sk.clone(),
        },
        at: whole_seconds(change.at),
        new,
        old,
    }))
}

/// The exported form of an item's data: the entity's dropped fields
/// removed, emails and phones hashed.
fn document(
    entity: Entity,
    key: &Key,
    data: Option<&Value>,
    which: &'static str,
) -> Result<Option<Value>, ExportError> {
    match data {
        None => Ok(None),
        Some(Value::Object(map)) => Ok(Some(Value::Object(pseudonymise_object(
            map,
            entity.dropped_fields(),
        )))),
        Some(_) => Err(ExportError::DataNotObject {
            key: key.clone(),
            which,
        }),
    }
}

/// `at` truncated to the second (toward the past).
fn whole_seconds(at: Timestamp) -> Timestamp {
    let seconds = at.as_second();
    let seconds = if at.subsec_nanosecond() < 0 {
        seconds - 1
    } else {
        seconds
    };
    Timestamp::from_second(seconds).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys;
    use serde_json::json;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn change(op: Op, key: Key, old: Option<Value>, new: Option<Value>) -> Change {
        Change {
            op,
            key,
            old,
            new,
            at: at("2026-11-20T14:03:12.999Z"),
            seq: "4000000000012345678900".into(),
        }
    }

    #[test]
    fn an_insert_has_new_and_a_null_old_in_the_documented_field_order() {
        let key = keys::event("acme", "evt_1");
        let record = record_of(&change(Op::Insert, key, None, Some(json!({"id": "evt_1"}))))
            .unwrap()
            .unwrap();
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"entity":"event","op":"INSERT","seq":"4000000000012345678900","key":{"pk":"T#acme#EVENT#evt_1","sk":"META"},"at":"2026-11-20T14:03:12Z","new":{"id":"evt_1"},"old":null}"#
        );
        assert_eq!(record.dt(), "2026-11-20");
    }

    #[test]
    fn every_op_of_every_entity_carries_the_images_it_implies() {
        let t: Timestamp = at("2026-11-20T14:03:12Z");
        let entities = [
            (keys::registration("a", "e", "c"), Entity::Registration),
            (keys::event("a", "e"), Entity::Event),
            (keys::contact("a", "c"), Entity::Contact),
            (
                keys::step_state("a", "e", "c", "welcome", myx_core::Channel::Email),
                Entity::Message,
            ),
            (keys::message("a", "c", t, "m"), Entity::Message),
            (
                keys::timeline_entry("a", "e", "c", t, "tl"),
                Entity::Timeline,
            ),
        ];
        let old = json!({"v": 1});
        let new = json!({"v": 2});
        for (key, entity) in entities {
            for op in [Op::Insert, Op::Modify, Op::Remove] {
                // The stream gives both images of a modify, one otherwise.
                let (o, n) = match op {
                    Op::Insert => (None, Some(new.clone())),
                    Op::Modify => (Some(old.clone()), Some(new.clone())),
                    Op::Remove => (Some(old.clone()), None),
                };
                let r = record_of(&change(op, key.clone(), o, n)).unwrap().unwrap();
                assert_eq!((r.entity, r.op), (entity, op));
                assert_eq!(r.key.pk, key.pk);
                assert_eq!(r.key.sk, key.sk);
                assert_eq!(r.new.is_some(), op != Op::Remove, "{entity} {op}");
                assert_eq!(r.old.is_some(), op != Op::Insert, "{entity} {op}");
                if let Some(n) = &r.new {
                    assert_eq!(n, &new);
                }
                if let Some(o) = &r.old {
                    assert_eq!(o, &old);
                }
            }
        }
    }

    #[test]
    fn images_an_op_does_not_imply_are_ignored() {
        // A remove reported with a new image (not a DynamoDB shape) still
        // exports new: null.
        let key = keys::event("a", "e");
        let r = record_of(&change(
            Op::Remove,
            key,
            Some(json!({})),
            Some(json!({"x": 1})),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(r.new, None);
    }

    #[test]
    fn items_that_are_not_exported_are_skipped_whatever_their_shape() {
        let count = keys::send_ledger("a", "c", myx_core::Channel::Email, "2026-11-20");
        let mut c = change(Op::Modify, count, None, None);
        c.seq = "not a number".into();
        assert_eq!(record_of(&c), Ok(None));
    }

    #[test]
    fn malformed_changes_of_exported_items_are_errors() {
        let key = keys::contact("a", "c");
        let mut bad_seq = change(Op::Insert, key.clone(), None, Some(json!({})));
        bad_seq.seq = "12x".into();
        assert!(matches!(
            record_of(&bad_seq),
            Err(ExportError::Sequence { .. })
        ));
        let no_new = change(Op::Insert, key.clone(), None, None);
        assert!(matches!(
            record_of(&no_new),
            Err(ExportError::MissingImage { which: "new", .. })
        ));
        let no_old = change(Op::Modify, key.clone(), None, Some(json!({})));
        assert!(matches!(
            record_of(&no_old),
            Err(ExportError::MissingImage { which: "old", .. })
        ));
        let not_object = change(
            Op::Remove,
            key.clone(),
            Some(json!("ada@example.com")),
            None,
        );
        let error = record_of(&not_object).unwrap_err();
        assert!(matches!(
            error,
            ExportError::DataNotObject { which: "old", .. }
        ));
        assert!(!error.to_string().contains("ada@"), "{error}");
    }

    #[test]
    fn contacts_lose_names_and_custom_fields_and_registrations_their_response() {
        let contact = json!({
            "id": "c", "email": "Ada@Example.com", "phone": "+12025550143",
            "firstName": "Ada", "lastName": "Lovelace",
            "customFields": {"company": "Analytical Engines"}, "createdAt": "2026-11-20T14:03:12Z"
        });
        let r = record_of(&change(
            Op::Insert,
            keys::contact("a", "c"),
            None,
            Some(contact),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            r.new,
            Some(json!({
                "id": "c", "createdAt": "2026-11-20T14:03:12Z",
                "emailSha256": keys::sha256_hex("ada@example.com"),
                "phoneSha256": keys::sha256_hex("+12025550143"),
            }))
        );
        let registration = json!({"contactId": "c", "response": {"email": "x"}, "joinUrl": "u"});
        let r = record_of(&change(
            Op::Insert,
            keys::registration("a", "e", "c"),
            None,
            Some(registration),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(r.new, Some(json!({"contactId": "c", "joinUrl": "u"})));
        // Only contacts drop names: an event's title stays.
        let r = record_of(&change(
            Op::Insert,
            keys::event("a", "e"),
            None,
            Some(json!({"firstName": "kept", "response": "kept"})),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            r.new,
            Some(json!({"firstName": "kept", "response": "kept"}))
        );
    }

    #[test]
    fn time_is_truncated_to_the_second_and_dated_in_utc() {
        let mut c = change(Op::Insert, keys::event("a", "e"), None, Some(json!({})));
        c.at = at("2026-11-20T23:59:59.999Z");
        let r = record_of(&c).unwrap().unwrap();
        assert_eq!(r.at, at("2026-11-20T23:59:59Z"));
        assert_eq!(r.dt(), "2026-11-20");
        c.at = at("2026-11-21T00:00:00Z");
        assert_eq!(record_of(&c).unwrap().unwrap().dt(), "2026-11-21");
    }

    #[test]
    fn ops_parse_from_stream_event_names() {
        assert_eq!("MODIFY".parse::<Op>(), Ok(Op::Modify));
        assert_eq!("modify".parse::<Op>(), Err(UnknownOp));
        assert_eq!(Op::Remove.to_string(), "REMOVE");
    }
}
