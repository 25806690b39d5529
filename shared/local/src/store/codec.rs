//! Items as rows of the `items` table, and back.

use crate::time_codec::{from_nanos, to_nanos};
use crate::LocalError;
use myx_engine::{Item, Key};
use rusqlite::Row;

/// The columns [`decode`] reads, in its order.
pub(crate) const ITEM_COLUMNS: &str = "pk, sk, gsi1pk, gsi1sk, expires_at, version, data";

/// The non-key columns of an item, ready to bind.
pub(crate) struct EncodedItem {
    pub(crate) expires_at: Option<i64>,
    pub(crate) version: i64,
    pub(crate) data: String,
}

pub(crate) fn encode(item: &Item) -> Result<EncodedItem, LocalError> {
    Ok(EncodedItem {
        expires_at: item.expires_at.map(to_nanos).transpose()?,
        version: version_to_sql(item.version),
        data: serde_json::to_string(&item.data)?,
    })
}

/// Reads a row selected with [`ITEM_COLUMNS`].
pub(crate) fn decode(row: &Row<'_>) -> Result<Item, LocalError> {
    let pk: String = row.get(0)?;
    let sk: String = row.get(1)?;
    let gsi1pk: Option<String> = row.get(2)?;
    let gsi1sk: Option<String> = row.get(3)?;
    let expires_at: Option<i64> = row.get(4)?;
    let version: i64 = row.get(5)?;
    let data: String = row.get(6)?;
    let data = serde_json::from_str(&data)
        .map_err(|e| LocalError::Corrupt(format!("data of ({pk:?}, {sk:?}): {e}")))?;
    Ok(Item {
        key: Key { pk, sk },
        gsi1: match (gsi1pk, gsi1sk) {
            (Some(pk), Some(sk)) => Some(Key { pk, sk }),
            _ => None,
        },
        expires_at: expires_at.map(from_nanos).transpose()?,
        version: version_from_sql(version),
        data,
    })
}

/// Versions are `u64`; SQLite integers are `i64`. The bit pattern is kept,
/// so every version round-trips and equality (all conditions need) holds.
pub(crate) fn version_to_sql(version: u64) -> i64 {
    i64::from_ne_bytes(version.to_ne_bytes())
}

pub(crate) fn version_from_sql(version: i64) -> u64 {
    u64::from_ne_bytes(version.to_ne_bytes())
}
