//! Records grouped into objects: one per (entity, UTC day) of a batch,
//! gzip of UTF-8 NDJSON, named `<entity>/dt=<day>/<first seq>-<last seq>.ndjson.gz`.
//! The same records always give the same names and the same bytes, so a
//! batch written again overwrites its objects instead of adding copies.

use super::entity::Entity;
use super::record::ExportRecord;
use super::sequence::Sequence;
use super::ExportError;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};

/// The objects' content type (with no `Content-Encoding`: readers
/// decompress by the `.gz` extension).
pub const CONTENT_TYPE: &str = "application/x-ndjson";

/// One object to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportObject {
    pub entity: Entity,
    /// `YYYY-MM-DD`, UTC.
    pub dt: String,
    /// The lowest and highest sequence number in the object.
    pub first: Sequence,
    pub last: Sequence,
    /// How many records (lines) it holds.
    pub records: usize,
    /// gzip of the NDJSON lines.
    pub body: Vec<u8>,
}

impl ExportObject {
    /// The object's key (S3) or relative path (local): `/`-separated.
    pub fn key(&self) -> String {
        format!(
            "{}/dt={}/{}-{}.ndjson.gz",
            self.entity, self.dt, self.first, self.last
        )
    }
}

/// The objects holding `records`, in (entity, day) order; within an object
/// the records keep their order in `records` (a stream's order).
pub fn encode_objects(records: &[ExportRecord]) -> Result<Vec<ExportObject>, ExportError> {
    let mut groups: BTreeMap<(Entity, String), Vec<&ExportRecord>> = BTreeMap::new();
    for record in records {
        groups
            .entry((record.entity, record.dt()))
            .or_default()
            .push(record);
    }
    groups
        .into_iter()
        .map(|((entity, dt), group)| encode_group(entity, dt, &group))
        .collect()
}

fn encode_group(
    entity: Entity,
    dt: String,
    group: &[&ExportRecord],
) -> Result<ExportObject, ExportError> {
    let (Some(first), Some(last)) = (
        group.iter().map(|r| &r.seq).min(),
        group.iter().map(|r| &r.seq).max(),
    ) else {
        return Err(ExportError::Encode("an object needs a record".into()));
    };
    let encode = |e: std::io::Error| ExportError::Encode(e.to_string());
    let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
    for record in group {
        serde_json::to_writer(&mut gzip, record).map_err(|e| ExportError::Encode(e.to_string()))?;
        gzip.write_all(b"\n").map_err(encode)?;
    }
    let body = gzip.finish().map_err(encode)?;
    Ok(ExportObject {
        entity,
        dt,
        first: first.clone(),
        last: last.clone(),
        records: group.len(),
        body,
    })
}

/// The records of an object's body (for tests and readers).
pub fn decode_object(body: &[u8]) -> Result<Vec<ExportRecord>, ExportError> {
    let decode = |e: &dyn std::fmt::Display| ExportError::Decode(e.to_string());
    let mut records = Vec::new();
    for line in BufReader::new(GzDecoder::new(body)).lines() {
        let line = line.map_err(|e| decode(&e))?;
        records.push(serde_json::from_str(&line).map_err(|e| decode(&e))?);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{record_of, Change, Op};
    use crate::keys;
    use crate::ports::Key;
    use serde_json::json;
    use std::io::Read;

    fn record(key: Key, seq: &str, at: &str) -> ExportRecord {
        record_of(&Change {
            op: Op::Insert,
            key,
            old: None,
            new: Some(json!({"email": "ada@example.com", "n": 1})),
            at: at.parse().unwrap(),
            seq: seq.into(),
        })
        .unwrap()
        .unwrap()
    }

    fn gunzip(body: &[u8]) -> String {
        let mut text = String::new();
        GzDecoder::new(body).read_to_string(&mut text).unwrap();
        text
    }

    #[test]
    fn one_object_per_entity_and_day_named_by_its_lowest_and_highest_sequence() {
        let records = vec![
            record(keys::event("a", "e1"), "100", "2026-11-20T23:59:59Z"),
            record(keys::contact("a", "c"), "99", "2026-11-20T23:59:59Z"),
            record(keys::event("a", "e2"), "1000", "2026-11-21T00:00:00Z"),
            record(keys::event("a", "e3"), "900", "2026-11-20T12:00:00Z"),
            record(keys::event("a", "e4"), "95", "2026-11-20T12:00:00Z"),
        ];
        let objects = encode_objects(&records).unwrap();
        let names: Vec<(String, usize)> = objects.iter().map(|o| (o.key(), o.records)).collect();
        assert_eq!(
            names,
            vec![
                ("event/dt=2026-11-20/95-900.ndjson.gz".to_string(), 3),
                ("event/dt=2026-11-21/1000-1000.ndjson.gz".to_string(), 1),
                ("contact/dt=2026-11-20/99-99.ndjson.gz".to_string(), 1),
            ]
        );
        // Lines keep the batch's order, each ends with a newline.
        let text = gunzip(&objects[0].body);
        assert!(text.ends_with('\n'));
        let seqs: Vec<String> = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"].to_string())
            .collect();
        assert_eq!(seqs, ["\"100\"", "\"900\"", "\"95\""]);
        assert_eq!(decode_object(&objects[0].body).unwrap().len(), 3);
    }

    #[test]
    fn the_same_records_give_the_same_bytes() {
        let records = vec![
            record(keys::event("a", "e1"), "1", "2026-11-20T10:00:00Z"),
            record(keys::contact("a", "c"), "2", "2026-11-20T10:00:00Z"),
        ];
        let a = encode_objects(&records).unwrap();
        let b = encode_objects(&records.clone()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn bodies_are_gzip_and_hold_no_address() {
        let records = vec![record(keys::contact("a", "c"), "7", "2026-11-20T10:00:00Z")];
        let objects = encode_objects(&records).unwrap();
        assert_eq!(&objects[0].body[..2], &[0x1f, 0x8b], "gzip magic");
        let text = gunzip(&objects[0].body);
        assert!(!text.contains("ada@example.com"), "{text}");
        assert!(text.contains(&keys::sha256_hex("ada@example.com")));
        assert_eq!(decode_object(&objects[0].body).unwrap(), records);
    }

    #[test]
    fn no_records_no_objects() {
        assert!(encode_objects(&[]).unwrap().is_empty());
        assert!(decode_object(b"not gzip").is_err());
    }
}
