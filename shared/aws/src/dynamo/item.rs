//! An [`Item`] as DynamoDB attributes and back.
//!
//! `data` is stored as a native map (converted by `serde_dynamo`), so the
//! stream and analysts see real attributes. JSON numbers keep their kind:
//! integers come back as integers, fractions as floats. One edge: DynamoDB
//! numbers carry no "float" flag, so a float with no fraction (`1.0`) comes
//! back as the integer `1`.

use super::table::{DATA, GSI1PK, GSI1SK, PK, SK, TTL, VERSION};
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use myx_engine::{Item, Key, StoreError};
use serde_dynamo::aws_sdk_dynamodb_1 as dynamo_serde;
use std::collections::HashMap;

pub(crate) type Attributes = HashMap<String, AttributeValue>;

/// DynamoDB's limits on key attribute values, in UTF-8 bytes.
const MAX_PARTITION_KEY_BYTES: usize = 2048;
const MAX_SORT_KEY_BYTES: usize = 1024;

/// Rejects keys DynamoDB would reject (empty or too long) before sending.
pub(crate) fn validate_key(key: &Key, what: &str) -> Result<(), StoreError> {
    validate_partition_key(&key.pk, what)?;
    if key.sk.is_empty() {
        return Err(StoreError::Invalid(format!("{what} sort key is empty")));
    }
    if key.sk.len() > MAX_SORT_KEY_BYTES {
        return Err(StoreError::Invalid(format!(
            "{what} sort key is {} bytes, more than {MAX_SORT_KEY_BYTES}",
            key.sk.len()
        )));
    }
    Ok(())
}

pub(crate) fn validate_partition_key(pk: &str, what: &str) -> Result<(), StoreError> {
    if pk.is_empty() {
        return Err(StoreError::Invalid(format!(
            "{what} partition key is empty"
        )));
    }
    if pk.len() > MAX_PARTITION_KEY_BYTES {
        return Err(StoreError::Invalid(format!(
            "{what} partition key is {} bytes, more than {MAX_PARTITION_KEY_BYTES}",
            pk.len()
        )));
    }
    Ok(())
}

/// The primary key attributes of `key`.
pub(crate) fn key_attributes(key: &Key) -> Attributes {
    HashMap::from([
        (PK.to_string(), AttributeValue::S(key.pk.clone())),
        (SK.to_string(), AttributeValue::S(key.sk.clone())),
    ])
}

/// Every attribute of `item`; GSI1 and TTL only when set, so a put that
/// drops them removes the item from the index and from expiry.
pub(crate) fn to_attributes(item: &Item) -> Result<Attributes, StoreError> {
    validate_key(&item.key, "item")?;
    if let Some(gsi1) = &item.gsi1 {
        validate_key(gsi1, "GSI1")?;
    }
    if !item.data.is_object() {
        return Err(StoreError::Invalid(
            "item data must be a JSON object".into(),
        ));
    }
    let data = dynamo_serde::to_attribute_value(&item.data)
        .map_err(|e| StoreError::Invalid(format!("item data cannot be stored: {e}")))?;
    let mut attributes = key_attributes(&item.key);
    attributes.insert(VERSION.into(), AttributeValue::N(item.version.to_string()));
    attributes.insert(DATA.into(), data);
    if let Some(gsi1) = &item.gsi1 {
        attributes.insert(GSI1PK.into(), AttributeValue::S(gsi1.pk.clone()));
        attributes.insert(GSI1SK.into(), AttributeValue::S(gsi1.sk.clone()));
    }
    if let Some(expires_at) = item.expires_at {
        attributes.insert(
            TTL.into(),
            AttributeValue::N(ttl_seconds(expires_at).to_string()),
        );
    }
    Ok(attributes)
}

/// An item read from the table. Items not written by this store (missing
/// or mistyped attributes) are reported, never guessed at.
pub(crate) fn from_attributes(mut attributes: Attributes) -> Result<Item, StoreError> {
    let pk = take_string(&mut attributes, PK)?;
    let sk = take_string(&mut attributes, SK)?;
    let key = Key::new(pk, sk);
    let malformed =
        |reason: String| StoreError::Invalid(format!("stored item {key:?} is malformed: {reason}"));
    let gsi1 = match (attributes.remove(GSI1PK), attributes.remove(GSI1SK)) {
        (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => Some(Key::new(pk, sk)),
        (None, None) => None,
        _ => {
            return Err(malformed(
                "GSI1PK and GSI1SK must be strings, both or neither".into(),
            ))
        }
    };
    let expires_at = match attributes.remove(TTL) {
        None => None,
        Some(AttributeValue::N(n)) => {
            let seconds: i64 = n
                .parse()
                .map_err(|_| malformed(format!("{TTL} {n:?} is not whole seconds")))?;
            Some(
                Timestamp::from_second(seconds)
                    .map_err(|_| malformed(format!("{TTL} {seconds} is out of range")))?,
            )
        }
        Some(_) => return Err(malformed(format!("{TTL} is not a number"))),
    };
    let version = match attributes.remove(VERSION) {
        Some(AttributeValue::N(n)) => n
            .parse::<u64>()
            .map_err(|_| malformed(format!("{VERSION} {n:?} is not a u64")))?,
        _ => return Err(malformed(format!("{VERSION} is missing or not a number"))),
    };
    let data = match attributes.remove(DATA) {
        Some(value @ AttributeValue::M(_)) => {
            if !is_known(&value) {
                return Err(malformed(
                    "data holds an attribute type unknown to the SDK".into(),
                ));
            }
            dynamo_serde::from_attribute_value::<serde_json::Value>(value)
                .map_err(|e| malformed(format!("data is not JSON: {e}")))?
        }
        _ => return Err(malformed(format!("{DATA} is missing or not a map"))),
    };
    Ok(Item {
        key,
        gsi1,
        expires_at,
        version,
        data,
    })
}

fn take_string(attributes: &mut Attributes, name: &str) -> Result<String, StoreError> {
    match attributes.remove(name) {
        Some(AttributeValue::S(s)) => Ok(s),
        _ => Err(StoreError::Invalid(format!(
            "stored item has no string {name}"
        ))),
    }
}

/// Whether every value is of a type `serde_dynamo` can read (it panics on
/// the SDK's `Unknown` variant, which a newer service could send).
fn is_known(value: &AttributeValue) -> bool {
    match value {
        AttributeValue::M(map) => map.values().all(is_known),
        AttributeValue::L(list) => list.iter().all(is_known),
        AttributeValue::S(_)
        | AttributeValue::N(_)
        | AttributeValue::B(_)
        | AttributeValue::Bool(_)
        | AttributeValue::Null(_)
        | AttributeValue::Ss(_)
        | AttributeValue::Ns(_)
        | AttributeValue::Bs(_) => true,
        _ => false,
    }
}

/// The TTL attribute holds whole seconds; round up so an item is never
/// treated as expired before the instant it was given.
pub(crate) fn ttl_seconds(at: Timestamp) -> i64 {
    let seconds = at.as_second();
    if at.subsec_nanosecond() > 0 {
        seconds.saturating_add(1)
    } else {
        seconds
    }
}

/// Whole seconds at or before `now`, for "expired at or before now".
pub(crate) fn now_seconds(now: Timestamp) -> i64 {
    let seconds = now.as_second();
    if now.subsec_nanosecond() < 0 {
        seconds.saturating_sub(1)
    } else {
        seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(item: &Item) -> Item {
        from_attributes(to_attributes(item).expect("stores")).expect("reads")
    }

    #[test]
    fn every_field_round_trips() {
        let item = Item {
            key: Key::new("P", "S"),
            gsi1: Some(Key::new("G", "g")),
            expires_at: Some(Timestamp::from_second(1_900_000_000).unwrap()),
            version: u64::MAX,
            data: json!({
                "int": 42, "neg": -7, "big": u64::MAX, "float": 1.5, "null": null,
                "empty": "", "list": [[1, [2.5, "x"]], {}], "map": {"a": {"b": [true]}}
            }),
        };
        assert_eq!(round_trip(&item), item);
    }

    #[test]
    fn data_is_a_native_map_and_gsi_and_ttl_only_when_set() {
        let item = Item::new(Key::new("P", "S"), json!({"n": 3, "s": "x"}));
        let attributes = to_attributes(&item).unwrap();
        let Some(AttributeValue::M(data)) = attributes.get(DATA) else {
            panic!("data is a map: {attributes:?}");
        };
        assert_eq!(data.get("n"), Some(&AttributeValue::N("3".into())));
        assert_eq!(data.get("s"), Some(&AttributeValue::S("x".into())));
        for absent in [GSI1PK, GSI1SK, TTL] {
            assert!(!attributes.contains_key(absent), "{absent}");
        }
        assert_eq!(
            attributes.get(VERSION),
            Some(&AttributeValue::N("1".into()))
        );
    }

    #[test]
    fn ttl_rounds_up_and_now_rounds_down() {
        let at = Timestamp::from_second(100).unwrap() + jiff::SignedDuration::from_millis(1);
        assert_eq!(ttl_seconds(at), 101);
        assert_eq!(now_seconds(at), 100);
        let exact = Timestamp::from_second(100).unwrap();
        assert_eq!(ttl_seconds(exact), 100);
        assert_eq!(now_seconds(exact), 100);
    }

    #[test]
    fn malformed_items_are_errors_not_panics() {
        let mut attributes = to_attributes(&Item::new(Key::new("P", "S"), json!({}))).unwrap();
        attributes.insert(VERSION.into(), AttributeValue::S("1".into()));
        assert!(matches!(
            from_attributes(attributes),
            Err(StoreError::Invalid(_))
        ));
        let mut attributes = to_attributes(&Item::new(Key::new("P", "S"), json!({}))).unwrap();
        attributes.insert(DATA.into(), AttributeValue::L(vec![]));
        assert!(matches!(
            from_attributes(attributes),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            from_attributes(HashMap::new()),
            Err(StoreError::Invalid(_))
        ));
    }
}
