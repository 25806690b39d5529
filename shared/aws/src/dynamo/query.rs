//! Partition queries on the table or on GSI1: `begins_with` on the sort
//! key, either direction, pages of exactly `limit` items when there are
//! that many, and opaque cursors.
//!
//! DynamoDB may return fewer items than `Limit` with a `LastEvaluatedKey`
//! (a page is capped at 1 MB); the query then continues, so a page that is
//! not full never carries a cursor, as the store contract requires.

use super::cursor;
use super::errors::store_error;
use super::item::{from_attributes, validate_partition_key};
use super::table::{GSI1, GSI1PK, GSI1SK, PK, SK};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use myx_engine::{Page, QueryOptions, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Index {
    Table,
    Gsi1,
}

impl Index {
    fn name(self) -> Option<&'static str> {
        match self {
            Index::Table => None,
            Index::Gsi1 => Some(GSI1),
        }
    }

    fn keys(self) -> (&'static str, &'static str) {
        match self {
            Index::Table => (PK, SK),
            Index::Gsi1 => (GSI1PK, GSI1SK),
        }
    }

    /// The attributes of this index's `LastEvaluatedKey`.
    fn cursor_attributes(self) -> &'static [&'static str] {
        match self {
            Index::Table => &[PK, SK],
            Index::Gsi1 => &[PK, SK, GSI1PK, GSI1SK],
        }
    }
}

pub(crate) async fn query(
    client: &Client,
    table: &str,
    index: Index,
    partition: &str,
    options: &QueryOptions,
) -> Result<Page, StoreError> {
    validate_partition_key(partition, "query")?;
    if options.limit == 0 {
        return Err(StoreError::Invalid("query limit must be at least 1".into()));
    }
    let (pk_attribute, sk_attribute) = index.keys();
    let mut start = match &options.after {
        Some(after) => Some(cursor::decode(
            after,
            index.cursor_attributes(),
            pk_attribute,
            partition,
        )?),
        None => None,
    };
    let mut condition = String::from("#pk = :pk");
    let mut request = client
        .query()
        .table_name(table)
        .set_index_name(index.name().map(str::to_string))
        .expression_attribute_names("#pk", pk_attribute)
        .expression_attribute_values(":pk", AttributeValue::S(partition.to_string()))
        .scan_index_forward(!options.descending)
        // Reads after writes on the table; GSIs only offer eventual reads.
        .consistent_read(index == Index::Table);
    if !options.sk_prefix.is_empty() {
        condition.push_str(" AND begins_with(#sk, :prefix)");
        request = request
            .expression_attribute_names("#sk", sk_attribute)
            .expression_attribute_values(":prefix", AttributeValue::S(options.sk_prefix.clone()));
    }
    let request = request.key_condition_expression(condition);

    let mut items = Vec::new();
    loop {
        let remaining = options.limit - items.len();
        let output = request
            .clone()
            .limit(i32::try_from(remaining).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| store_error("query", &e, None))?;
        for attributes in output.items.unwrap_or_default() {
            items.push(from_attributes(attributes)?);
        }
        match output.last_evaluated_key {
            Some(last) if items.len() >= options.limit => {
                return Ok(Page {
                    items,
                    next: Some(cursor::encode(&last)?),
                })
            }
            Some(last) => start = Some(last),
            None => return Ok(Page { items, next: None }),
        }
    }
}
