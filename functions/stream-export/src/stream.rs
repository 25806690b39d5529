//! DynamoDB stream records (NEW_AND_OLD_IMAGES) as the engine's changes.
//! Our items are `PK`, `SK`, `ver`, `data` (a map), and optionally the GSI1
//! and `ttl` attributes; only the key and `data` are exported.

use aws_lambda_events::event::dynamodb::EventRecord;
use jiff::Timestamp;
use myx_engine::export::{entity_of, Change, Op};
use myx_engine::Key;
use serde_dynamo::{AttributeValue, Item};
use serde_json::Value;

/// Why a stream record cannot be exported. Never holds item data: only
/// which part of the record is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("not a DynamoDB stream record")]
    Shape,
    #[error("its Keys hold no string PK and SK")]
    Keys,
    #[error("eventName is not INSERT, MODIFY or REMOVE")]
    Op,
    #[error("it has no SequenceNumber")]
    NoSequence,
    #[error("ApproximateCreationDateTime is missing or out of range")]
    Time,
    #[error("its {0} image has no data map")]
    NoData(&'static str),
    #[error("its {0} image's data cannot be read as JSON")]
    Data(&'static str),
    #[error(transparent)]
    Export(#[from] myx_engine::export::ExportError),
}

/// The attribute holding an item's JSON document.
const DATA: &str = "data";

/// The change a raw stream record (JSON, as Lambda delivers it) describes,
/// or `None` when its item is not exported (decided by key alone, before
/// anything else is read).
pub fn change_of(raw: &Value) -> Result<Option<Change>, RecordError> {
    let record: EventRecord =
        serde_json::from_value(raw.clone()).map_err(|_| RecordError::Shape)?;
    let key = key_of(&record.change.keys).ok_or(RecordError::Keys)?;
    if entity_of(&key).is_none() {
        return Ok(None);
    }
    let op: Op = record.event_name.parse().map_err(|_| RecordError::Op)?;
    let seq = record
        .change
        .sequence_number
        .clone()
        .ok_or(RecordError::NoSequence)?;
    // A missing time deserialises as the epoch: check the raw record.
    let has_time = raw
        .get("dynamodb")
        .and_then(|d| d.get("ApproximateCreationDateTime"))
        .is_some_and(|t| !t.is_null());
    if !has_time {
        return Err(RecordError::Time);
    }
    let time = record.change.approximate_creation_date_time;
    let nanos = i32::try_from(time.timestamp_subsec_nanos()).map_err(|_| RecordError::Time)?;
    let at = Timestamp::new(time.timestamp(), nanos).map_err(|_| RecordError::Time)?;
    Ok(Some(Change {
        op,
        key,
        old: data_of(&record.change.old_image, "old")?,
        new: data_of(&record.change.new_image, "new")?,
        at,
        seq,
    }))
}

fn key_of(keys: &Item) -> Option<Key> {
    match (keys.get("PK"), keys.get("SK")) {
        (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => {
            Some(Key::new(pk.clone(), sk.clone()))
        }
        _ => None,
    }
}

/// The `data` of an image as JSON; `None` when the record has no such
/// image (Lambda delivers an absent image as an empty map).
fn data_of(image: &Item, which: &'static str) -> Result<Option<Value>, RecordError> {
    if image.is_empty() {
        return Ok(None);
    }
    match image.get(DATA) {
        Some(data @ AttributeValue::M(_)) => serde_dynamo::from_attribute_value(data.clone())
            .map(Some)
            .map_err(|_| RecordError::Data(which)),
        _ => Err(RecordError::NoData(which)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(name: &str, pk: &str, sk: &str) -> Value {
        json!({
            "eventID": "1", "eventName": name, "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "dynamodb": {
                "ApproximateCreationDateTime": 1795183392,
                "Keys": {"PK": {"S": pk}, "SK": {"S": sk}},
                "NewImage": {"PK": {"S": pk}, "SK": {"S": sk}, "ver": {"N": "1"},
                    "data": {"M": {"id": {"S": "c"}, "n": {"N": "3"}, "f": {"N": "1.5"},
                        "l": {"L": [{"BOOL": true}, {"NULL": true}]}}}},
                "SequenceNumber": "4000000000012345678900",
                "SizeBytes": 100,
                "StreamViewType": "NEW_AND_OLD_IMAGES"
            }
        })
    }

    #[test]
    fn an_insert_becomes_a_change_with_the_data_as_json() {
        let change = change_of(&record("INSERT", "T#a#CONTACT#c", "PROFILE"))
            .unwrap()
            .unwrap();
        assert_eq!(change.op, Op::Insert);
        assert_eq!(change.key, Key::new("T#a#CONTACT#c", "PROFILE"));
        assert_eq!(change.old, None);
        assert_eq!(
            change.new,
            Some(json!({"id": "c", "n": 3, "f": 1.5, "l": [true, null]}))
        );
        assert_eq!(change.at, "2026-11-20T14:03:12Z".parse().unwrap());
        assert_eq!(change.seq, "4000000000012345678900");
    }

    #[test]
    fn items_that_are_not_exported_are_skipped_before_anything_else_is_read() {
        let mut raw = record("BOGUS", "T#a#CONTACT#c", "COUNT#email#2026-11-20");
        raw["dynamodb"]["NewImage"] = json!({"PK": {"S": "x"}});
        assert_eq!(change_of(&raw), Ok(None));
    }

    #[test]
    fn malformed_records_of_exported_items_are_errors() {
        let base = || record("INSERT", "T#a#EVENT#e", "META");
        let mut bad_op = base();
        bad_op["eventName"] = json!("UPSERT");
        assert_eq!(change_of(&bad_op), Err(RecordError::Op));
        let mut no_data = base();
        no_data["dynamodb"]["NewImage"]
            .as_object_mut()
            .unwrap()
            .remove("data");
        assert_eq!(change_of(&no_data), Err(RecordError::NoData("new")));
        let mut list_data = base();
        list_data["dynamodb"]["NewImage"]["data"] = json!({"L": []});
        assert_eq!(change_of(&list_data), Err(RecordError::NoData("new")));
        let mut no_time = base();
        no_time["dynamodb"]
            .as_object_mut()
            .unwrap()
            .remove("ApproximateCreationDateTime");
        assert_eq!(change_of(&no_time), Err(RecordError::Time));
        let mut no_seq = base();
        no_seq["dynamodb"]
            .as_object_mut()
            .unwrap()
            .remove("SequenceNumber");
        assert_eq!(change_of(&no_seq), Err(RecordError::NoSequence));
        let mut no_keys = base();
        no_keys["dynamodb"]["Keys"] = json!({"PK": {"N": "1"}, "SK": {"S": "META"}});
        assert_eq!(change_of(&no_keys), Err(RecordError::Keys));
        assert_eq!(change_of(&json!({"dynamodb": 5})), Err(RecordError::Shape));
        let mut bad_number = base();
        bad_number["dynamodb"]["NewImage"]["data"] = json!({"M": {"n": {"N": "ada@example.com"}}});
        let error = change_of(&bad_number).unwrap_err();
        assert_eq!(error, RecordError::Data("new"));
        assert!(!error.to_string().contains("ada@"));
    }
}
