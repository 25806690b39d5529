//! `TransactWriteItems`: all operations or none. Limits are checked before
//! sending (DynamoDB's own messages do not say which rule broke), and a
//! cancellation names the first operation whose condition failed.
//!
//! No `ClientRequestToken` is sent: idempotency is built on conditions, not
//! on the token (moto also rejects a replayed token, unlike DynamoDB).

use super::condition::condition_expression;
use super::errors::{from_failure, store_error};
use super::item::{key_attributes, to_attributes, validate_key};
use crate::aws_error::classify;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use myx_engine::store::MAX_TRANSACTION_OPS;
use myx_engine::{Condition, Key, StoreError, WriteOp};
use std::collections::HashSet;

pub(crate) async fn transact(
    client: &Client,
    table: &str,
    ops: Vec<WriteOp>,
) -> Result<(), StoreError> {
    if ops.is_empty() {
        return Ok(());
    }
    if ops.len() > MAX_TRANSACTION_OPS {
        return Err(StoreError::Invalid(format!(
            "a transaction holds at most {MAX_TRANSACTION_OPS} operations, got {}",
            ops.len()
        )));
    }
    let keys: Vec<Key> = ops.iter().map(|op| op_key(op).clone()).collect();
    let mut seen = HashSet::new();
    for key in &keys {
        if !seen.insert(key) {
            return Err(StoreError::Invalid(format!(
                "a transaction may use each key once; {key:?} appears twice"
            )));
        }
    }
    let items = ops
        .into_iter()
        .map(|op| transact_item(table, op))
        .collect::<Result<Vec<_>, _>>()?;
    let result = client
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await;
    let Err(error) = result else {
        return Ok(());
    };
    if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        error.as_service_error()
    {
        let codes: Vec<&str> = cancelled
            .cancellation_reasons()
            .iter()
            .map(|r| r.code().unwrap_or("None"))
            .collect();
        if let Some(index) = codes.iter().position(|c| *c == "ConditionalCheckFailed") {
            if let Some(key) = keys.get(index) {
                return Err(StoreError::TransactionCancelled {
                    index,
                    key: key.clone(),
                });
            }
        }
        if codes.contains(&"ValidationError") {
            return Err(StoreError::Invalid(format!(
                "transaction cancelled by validation: {codes:?}"
            )));
        }
        let mut failure = classify(&error);
        failure.retryable = true;
        failure.summary = format!("transaction cancelled: {codes:?}");
        return Err(from_failure("transact", failure));
    }
    Err(store_error("transact", &error, None))
}

fn op_key(op: &WriteOp) -> &Key {
    match op {
        WriteOp::Put { item, .. } => &item.key,
        WriteOp::Delete { key, .. } | WriteOp::Check { key, .. } => key,
    }
}

fn transact_item(table: &str, op: WriteOp) -> Result<TransactWriteItem, StoreError> {
    let built = |e: aws_sdk_dynamodb::error::BuildError| {
        StoreError::Invalid(format!("cannot build the transaction: {e}"))
    };
    let item = match op {
        WriteOp::Put { item, condition } => {
            let expression = condition_expression(condition);
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(to_attributes(&item)?))
                .set_condition_expression(expression.as_ref().map(|c| c.expression.clone()))
                .set_expression_attribute_names(expression.as_ref().map(|c| c.names.clone()))
                .set_expression_attribute_values(expression.and_then(|c| c.values))
                .build()
                .map_err(built)?;
            TransactWriteItem::builder().put(put).build()
        }
        WriteOp::Delete { key, condition } => {
            validate_key(&key, "delete")?;
            let expression = condition_expression(condition);
            let delete = Delete::builder()
                .table_name(table)
                .set_key(Some(key_attributes(&key)))
                .set_condition_expression(expression.as_ref().map(|c| c.expression.clone()))
                .set_expression_attribute_names(expression.as_ref().map(|c| c.names.clone()))
                .set_expression_attribute_values(expression.and_then(|c| c.values))
                .build()
                .map_err(built)?;
            TransactWriteItem::builder().delete(delete).build()
        }
        WriteOp::Check { key, condition } => {
            validate_key(&key, "check")?;
            let Some(expression) = condition_expression(condition) else {
                return Err(StoreError::Invalid(format!(
                    "a check needs a condition; {key:?} has {:?}",
                    Condition::None
                )));
            };
            let check = ConditionCheck::builder()
                .table_name(table)
                .set_key(Some(key_attributes(&key)))
                .condition_expression(expression.expression)
                .set_expression_attribute_names(Some(expression.names))
                .set_expression_attribute_values(expression.values)
                .build()
                .map_err(built)?;
            TransactWriteItem::builder().condition_check(check).build()
        }
    };
    Ok(item)
}
