//! Opaque query cursors: DynamoDB's `LastEvaluatedKey` (string key
//! attributes only) as base64url of a small JSON object. A cursor is
//! checked against the query it is passed to, so one from another
//! partition or index is refused instead of silently skipping items.

use super::item::Attributes;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use myx_engine::StoreError;
use std::collections::BTreeMap;

/// The cursor for `last_evaluated_key`.
pub(crate) fn encode(last_evaluated_key: &Attributes) -> Result<String, StoreError> {
    let mut plain = BTreeMap::new();
    for (name, value) in last_evaluated_key {
        match value {
            AttributeValue::S(s) => {
                plain.insert(name.as_str(), s.as_str());
            }
            _ => {
                return Err(StoreError::Unavailable(format!(
                    "DynamoDB returned a non-string key attribute {name} in LastEvaluatedKey"
                )))
            }
        }
    }
    let json = serde_json::to_vec(&plain)
        .map_err(|e| StoreError::Unavailable(format!("cannot encode a cursor: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// The `ExclusiveStartKey` for `cursor`: exactly the attributes `expected`,
/// with `partition_attribute` equal to the queried partition.
pub(crate) fn decode(
    cursor: &str,
    expected: &[&str],
    partition_attribute: &str,
    partition: &str,
) -> Result<Attributes, StoreError> {
    let invalid = |reason: &str| StoreError::Invalid(format!("invalid query cursor: {reason}"));
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid("not base64url"))?;
    let plain: BTreeMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|_| invalid("not a cursor"))?;
    let mut names: Vec<&str> = plain.keys().map(String::as_str).collect();
    let mut wanted = expected.to_vec();
    names.sort_unstable();
    wanted.sort_unstable();
    if names != wanted {
        return Err(invalid("it belongs to another index"));
    }
    if plain.get(partition_attribute).map(String::as_str) != Some(partition) {
        return Err(invalid("it belongs to another partition"));
    }
    Ok(plain
        .into_iter()
        .map(|(name, value)| (name, AttributeValue::S(value)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pairs: &[(&str, &str)]) -> Attributes {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), AttributeValue::S(v.to_string())))
            .collect()
    }

    #[test]
    fn round_trips_and_is_checked_against_the_query() {
        let lek = key(&[("PK", "T#1#EVENT#é"), ("SK", "REG#😀")]);
        let cursor = encode(&lek).unwrap();
        assert!(cursor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(
            decode(&cursor, &["PK", "SK"], "PK", "T#1#EVENT#é").unwrap(),
            lek
        );
        for result in [
            decode(&cursor, &["PK", "SK"], "PK", "T#2"),
            decode(
                &cursor,
                &["PK", "SK", "GSI1PK", "GSI1SK"],
                "GSI1PK",
                "T#1#EVENT#é",
            ),
            decode("not a cursor!", &["PK", "SK"], "PK", "T#1#EVENT#é"),
            decode("bm90IGpzb24", &["PK", "SK"], "PK", "T#1#EVENT#é"),
        ] {
            assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
        }
    }

    #[test]
    fn non_string_keys_are_refused() {
        let lek = Attributes::from([("PK".to_string(), AttributeValue::N("1".into()))]);
        assert!(encode(&lek).is_err());
    }
}
