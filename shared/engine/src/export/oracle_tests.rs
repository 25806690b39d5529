//! The worked example of `infra/README.md`: the sample stream batch in
//! `events/` must export exactly the records `events/generate.py` expects.

use super::*;
use crate::ports::Key;
use jiff::Timestamp;
use serde_json::{Map, Value};

const BATCH: &str = include_str!("../../../../events/stream-export-ddb-batch.json");
const EXPECTED: &str = include_str!("../../../../events/stream-export-expected.ndjson");

/// DynamoDB JSON to plain JSON, as `from_ddb` in `events/generate.py`.
fn from_ddb(value: &Value) -> Value {
    let (kind, v) = value.as_object().unwrap().iter().next().unwrap();
    match kind.as_str() {
        "S" | "BOOL" => v.clone(),
        "NULL" => Value::Null,
        "N" => serde_json::from_str(v.as_str().unwrap()).unwrap(),
        "L" => Value::Array(v.as_array().unwrap().iter().map(from_ddb).collect()),
        "M" => Value::Object(
            v.as_object()
                .unwrap()
                .iter()
                .map(|(k, x)| (k.clone(), from_ddb(x)))
                .collect::<Map<_, _>>(),
        ),
        other => panic!("unexpected DynamoDB type {other}"),
    }
}

fn changes() -> Vec<Change> {
    let batch: Value = serde_json::from_str(BATCH).unwrap();
    batch["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| {
            let ddb = &record["dynamodb"];
            let s = |v: &Value| v["S"].as_str().unwrap().to_string();
            let data = |image: &str| ddb.get(image).map(|i| from_ddb(&i["data"]));
            Change {
                op: record["eventName"].as_str().unwrap().parse().unwrap(),
                key: Key::new(s(&ddb["Keys"]["PK"]), s(&ddb["Keys"]["SK"])),
                old: data("OldImage"),
                new: data("NewImage"),
                at: Timestamp::from_second(ddb["ApproximateCreationDateTime"].as_i64().unwrap())
                    .unwrap(),
                seq: ddb["SequenceNumber"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

fn expected() -> Vec<Value> {
    EXPECTED
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_sample_batch_exports_exactly_the_expected_records() {
    let changes = changes();
    assert_eq!(changes.len(), 7, "the sample has seven changes");
    let records = records_of(&changes).unwrap();
    let got: Vec<Value> = records
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    let expected = expected();
    assert_eq!(got.len(), expected.len());
    for (got, want) in got.iter().zip(&expected) {
        assert_eq!(got, want);
    }
}

#[test]
fn the_sample_lines_serialise_in_the_documented_field_order() {
    // The oracle's top-level fields are in the documented order; ours too
    // (nested objects are compared as values: DynamoDB maps have no order).
    let records = records_of(&changes()).unwrap();
    for (record, line) in records.iter().zip(EXPECTED.lines()) {
        let ours = serde_json::to_string(record).unwrap();
        let prefix = |s: &str| s.split(",\"new\":").next().unwrap().to_string();
        assert_eq!(prefix(&ours), prefix(line));
    }
}

#[test]
fn the_sample_batch_makes_one_object_per_entity_holding_the_expected_lines() {
    let records = records_of(&changes()).unwrap();
    let objects = encode_objects(&records).unwrap();
    let keys: Vec<String> = objects.iter().map(ExportObject::key).collect();
    assert_eq!(
        keys,
        [
            "registration/dt=2026-11-20/4000000000012345679000-4000000000012345679000.ndjson.gz",
            "message/dt=2026-11-20/4000000000012345679200-4000000000012345679300.ndjson.gz",
            "timeline/dt=2026-11-20/4000000000012345679100-4000000000012345679100.ndjson.gz",
            "event/dt=2026-11-20/4000000000012345679400-4000000000012345679400.ndjson.gz",
            "contact/dt=2026-11-20/4000000000012345678900-4000000000012345678900.ndjson.gz",
        ]
    );
    let mut lines: Vec<Value> = Vec::new();
    for object in &objects {
        for record in decode_object(&object.body).unwrap() {
            lines.push(serde_json::to_value(record).unwrap());
        }
    }
    let mut expected = expected();
    let by_seq = |v: &Value| v["seq"].as_str().unwrap().to_string();
    lines.sort_by_key(by_seq);
    expected.sort_by_key(by_seq);
    assert_eq!(lines, expected);
}

#[test]
fn no_personal_data_of_the_sample_reaches_the_bytes() {
    let records = records_of(&changes()).unwrap();
    let objects = encode_objects(&records).unwrap();
    let mut text = String::new();
    for object in &objects {
        use std::io::Read;
        flate2::read::GzDecoder::new(&object.body[..])
            .read_to_string(&mut text)
            .unwrap();
    }
    for pii in [
        "ada@example.com",
        "+12025550143",
        "2025550143",
        "Ada",
        "Lovelace",
        "Analytical Engines",
        "newsletter",
        "\"response\"",
        "\"email\":\"",
        "\"phone\":\"",
    ] {
        assert!(!text.contains(pii), "{pii} in the export");
    }
}
