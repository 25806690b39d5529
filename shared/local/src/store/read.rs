//! Reads: one item by key, and pages of a partition or of GSI1 in key
//! order. Prefixes become byte ranges (`prefix <= k < upper_bound`), never
//! `LIKE`, so `%`, `_` and case mean nothing special.

use super::codec::{decode, ITEM_COLUMNS};
use crate::LocalError;
use myx_engine::{Item, Key, Page, QueryOptions};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{params, Connection, ToSql};

pub(crate) enum Index {
    Table,
    Gsi1,
}

pub(crate) fn get(conn: &Connection, key: &Key) -> Result<Option<Item>, LocalError> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE pk = ?1 AND sk = ?2");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![key.pk, key.sk])?;
    rows.next()?.map(decode).transpose()
}

/// Each of `keys`, in order, read in one transaction.
pub(crate) fn get_many(conn: &Connection, keys: &[Key]) -> Result<Vec<Option<Item>>, LocalError> {
    // Deferred: reads only, so it never takes the write lock; dropped at
    // the end (nothing to commit).
    let tx = conn.unchecked_transaction()?;
    let items = keys
        .iter()
        .map(|key| get(&tx, key))
        .collect::<Result<Vec<_>, _>>()?;
    drop(tx);
    Ok(items)
}

/// One page of `index` under partition `pk`.
pub(crate) fn query(
    conn: &Connection,
    index: &Index,
    pk: &str,
    options: &QueryOptions,
) -> Result<Page, LocalError> {
    let (pk_column, sk_column) = match index {
        Index::Table => ("pk", "sk"),
        Index::Gsi1 => ("gsi1pk", "gsi1sk"),
    };
    let upper = upper_bound(options.sk_prefix.as_bytes());
    let cursor = options
        .after
        .as_deref()
        .map(|after| Cursor::parse(index, after));
    let (direction, after_op) = if options.descending {
        ("DESC", "<")
    } else {
        ("ASC", ">")
    };

    let mut sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE {pk_column} = ?");
    let mut binds: Vec<Bind<'_>> = vec![Bind::Text(pk.as_bytes())];
    if !options.sk_prefix.is_empty() {
        sql.push_str(&format!(" AND {sk_column} >= ?"));
        binds.push(Bind::Text(options.sk_prefix.as_bytes()));
        if let Some(upper) = &upper {
            sql.push_str(&format!(" AND {sk_column} < ?"));
            binds.push(Bind::Text(upper));
        }
    }
    match &cursor {
        Some(Cursor::SortKey(sk)) => {
            sql.push_str(&format!(" AND {sk_column} {after_op} ?"));
            binds.push(Bind::Text(sk.as_bytes()));
        }
        Some(Cursor::Gsi1 { gsi1sk, pk, sk }) => {
            sql.push_str(&format!(" AND (gsi1sk, pk, sk) {after_op} (?, ?, ?)"));
            binds.extend([gsi1sk, pk, sk].map(|s| Bind::Text(s.as_bytes())));
        }
        None => {}
    }
    let order = match index {
        Index::Table => format!("sk {direction}"),
        Index::Gsi1 => format!("gsi1sk {direction}, pk {direction}, sk {direction}"),
    };
    sql.push_str(&format!(" ORDER BY {order} LIMIT ?"));
    // One extra row tells whether another page follows.
    let fetch = i64::try_from(options.limit.saturating_add(1)).unwrap_or(i64::MAX);
    binds.push(Bind::Int(fetch));

    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(binds.iter()))?;
    let mut items = Vec::new();
    while let Some(row) = rows.next()? {
        items.push(decode(row)?);
    }
    let next = if items.len() > options.limit {
        items.truncate(options.limit);
        items.last().map(|last| Cursor::after_item(index, last))
    } else {
        None
    };
    Ok(Page { items, next })
}

/// The least byte string above every string that starts with `prefix`
/// (`None` when there is none, i.e. the prefix is all `0xFF`). It may not
/// be valid UTF-8; SQLite compares TEXT bytewise and does not mind.
fn upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut upper = prefix.to_vec();
    while let Some(last) = upper.pop() {
        if last < u8::MAX {
            upper.push(last + 1);
            return Some(upper);
        }
    }
    None
}

/// Where the previous page ended.
enum Cursor {
    /// A table sort key, or a bare GSI1 sort key (continue after every item
    /// holding it).
    SortKey(String),
    /// A GSI1 position: GSI1 sort keys repeat, so the table key breaks ties.
    Gsi1 {
        gsi1sk: String,
        pk: String,
        sk: String,
    },
}

impl Cursor {
    fn parse(index: &Index, after: &str) -> Cursor {
        if let Index::Gsi1 = index {
            if let Ok((gsi1sk, pk, sk)) = serde_json::from_str::<(String, String, String)>(after) {
                return Cursor::Gsi1 { gsi1sk, pk, sk };
            }
        }
        Cursor::SortKey(after.to_string())
    }

    /// The `next` of a page ending with `last`.
    fn after_item(index: &Index, last: &Item) -> String {
        match (index, &last.gsi1) {
            (Index::Gsi1, Some(gsi1)) => serde_json::Value::from(vec![
                gsi1.sk.as_str(),
                last.key.pk.as_str(),
                last.key.sk.as_str(),
            ])
            .to_string(),
            _ => last.key.sk.clone(),
        }
    }
}

/// A bound parameter; text goes in as raw bytes so a prefix's upper bound
/// need not be valid UTF-8.
enum Bind<'a> {
    Text(&'a [u8]),
    Int(i64),
}

impl ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Bind::Text(bytes) => ToSqlOutput::Borrowed(ValueRef::Text(bytes)),
            Bind::Int(n) => ToSqlOutput::Owned(Value::Integer(*n)),
        })
    }
}
