//! The analytics export: table changes as date-partitioned, gzipped NDJSON
//! (the contract is `infra/README.md`). Pure: no AWS, no file system. The
//! `stream-export` Lambda feeds it DynamoDB stream records; the local stack
//! feeds it the SQLite store's captured changes. Both write the objects it
//! returns under the same keys.
//!
//! - [`entity`]: which items are exported, by key.
//! - [`pseudonymise`]: emails and phones become SHA-256 hashes.
//! - [`record`]: one change as one export record.
//! - [`ndjson`]: records grouped by (entity, day) into gzipped NDJSON objects.
//! - [`sequence`]: stream sequence numbers, compared as numbers.

pub mod entity;
pub mod ndjson;
pub mod pseudonymise;
pub mod record;
pub mod sequence;

pub use entity::{entity_of, Entity};
pub use ndjson::{decode_object, encode_objects, ExportObject};
pub use pseudonymise::pseudonymise;
pub use record::{record_of, Change, ExportKey, ExportRecord, Op};
pub use sequence::Sequence;

use crate::ports::Key;

/// Why a change cannot be exported. Messages name the item's key (keys
/// hold ids and hashes, never an address) and never its data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("change of {key:?}: sequence number is not a decimal number")]
    Sequence { key: Key },
    #[error("{op} of {key:?} has no {which} image")]
    MissingImage {
        key: Key,
        op: Op,
        which: &'static str,
    },
    #[error("change of {key:?}: the {which} data is not a JSON object")]
    DataNotObject { key: Key, which: &'static str },
    #[error("encoding an export object: {0}")]
    Encode(String),
    #[error("decoding an export object: {0}")]
    Decode(String),
}

/// Every record of a batch of changes, in the batch's order; changes of
/// items that are not exported are left out. Fails on the first change that
/// cannot be exported (the whole batch is then retried, see `infra/README.md`).
pub fn records_of<'a>(
    changes: impl IntoIterator<Item = &'a Change>,
) -> Result<Vec<ExportRecord>, ExportError> {
    let mut records = Vec::new();
    for change in changes {
        if let Some(record) = record_of(change)? {
            records.push(record);
        }
    }
    Ok(records)
}

#[cfg(test)]
mod oracle_tests;
