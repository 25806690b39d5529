//! Requests the store refuses before touching SQLite, matching DynamoDB's
//! limits so that code that works locally also works in AWS.

use crate::time_codec::to_nanos;
use myx_engine::store::MAX_TRANSACTION_OPS;
use myx_engine::{Condition, Item, Key, QueryOptions, StoreError, WriteOp};
use std::collections::HashSet;

/// DynamoDB's largest partition key, in UTF-8 bytes.
pub const MAX_PK_BYTES: usize = 2048;
/// DynamoDB's largest sort key, in UTF-8 bytes.
pub const MAX_SK_BYTES: usize = 1024;

fn invalid(message: String) -> StoreError {
    StoreError::Invalid(message)
}

pub(crate) fn partition(pk: &str, what: &str) -> Result<(), StoreError> {
    if pk.is_empty() {
        return Err(invalid(format!("{what} is empty")));
    }
    if pk.len() > MAX_PK_BYTES {
        return Err(invalid(format!(
            "{what} is {} bytes, more than {MAX_PK_BYTES}",
            pk.len()
        )));
    }
    Ok(())
}

fn sort(sk: &str, what: &str) -> Result<(), StoreError> {
    if sk.is_empty() {
        return Err(invalid(format!("{what} is empty")));
    }
    if sk.len() > MAX_SK_BYTES {
        return Err(invalid(format!(
            "{what} is {} bytes, more than {MAX_SK_BYTES}",
            sk.len()
        )));
    }
    Ok(())
}

pub(crate) fn key(key: &Key) -> Result<(), StoreError> {
    partition(&key.pk, "partition key")?;
    sort(&key.sk, "sort key")
}

pub(crate) fn item(item: &Item) -> Result<(), StoreError> {
    key(&item.key)?;
    if let Some(gsi1) = &item.gsi1 {
        partition(&gsi1.pk, "GSI1 partition key")?;
        sort(&gsi1.sk, "GSI1 sort key")?;
    }
    if !item.data.is_object() {
        return Err(invalid(format!(
            "data of {:?} must be a JSON object",
            item.key
        )));
    }
    if let Some(at) = item.expires_at {
        to_nanos(at)?;
    }
    Ok(())
}

pub(crate) fn query(pk: &str, options: &QueryOptions) -> Result<(), StoreError> {
    partition(pk, "partition key")?;
    if options.limit == 0 {
        return Err(invalid("query limit must be at least 1".into()));
    }
    Ok(())
}

pub(crate) fn transaction(ops: &[WriteOp]) -> Result<(), StoreError> {
    if ops.len() > MAX_TRANSACTION_OPS {
        return Err(invalid(format!(
            "a transaction holds at most {MAX_TRANSACTION_OPS} operations, not {}",
            ops.len()
        )));
    }
    let mut seen = HashSet::with_capacity(ops.len());
    for op in ops {
        let op_key = match op {
            WriteOp::Put { item: put, .. } => {
                self::item(put)?;
                &put.key
            }
            WriteOp::Delete { key: k, .. } => {
                key(k)?;
                k
            }
            WriteOp::Check { key: k, condition } => {
                key(k)?;
                if *condition == Condition::None {
                    return Err(invalid(format!("check of {k:?} has no condition")));
                }
                k
            }
        };
        if !seen.insert(op_key) {
            return Err(invalid(format!(
                "{op_key:?} appears more than once in one transaction"
            )));
        }
    }
    Ok(())
}
