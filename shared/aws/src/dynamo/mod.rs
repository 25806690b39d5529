//! The table store on one DynamoDB table (layout in [`table`]).
//!
//! Reads on the table are strongly consistent, so a read after a write
//! sees it; GSI1 queries are eventually consistent (DynamoDB offers
//! nothing else). Expired items are returned until DynamoDB's TTL sweeper
//! deletes them: callers check [`myx_engine::Item::is_expired`], as the
//! store contract allows.

mod condition;
mod cursor;
mod errors;
mod item;
mod query;
pub mod table;
mod transact;

pub use table::{create_table, CreateTableError};

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use condition::condition_expression;
use errors::store_error;
use item::{from_attributes, key_attributes, to_attributes, validate_key};
use myx_engine::{Condition, Item, Key, Page, QueryOptions, StoreError, TableStore, WriteOp};
use query::{query, Index};

/// [`TableStore`] on the DynamoDB table `table`.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(config: &SdkConfig, table: impl Into<String>) -> Self {
        Self::from_client(Client::new(config), table)
    }

    pub fn from_client(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    async fn get_item(&self, key: &Key, consistent: bool) -> Result<Option<Item>, StoreError> {
        validate_key(key, "get")?;
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| store_error("get", &e, None))?;
        output.item.map(from_attributes).transpose()
    }
}

#[async_trait::async_trait]
impl TableStore for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.get_item(key, true).await
    }

    /// Concurrent eventually consistent GetItems (BatchGetItem would bill
    /// the same and need retries of unprocessed keys).
    async fn get_many_eventually(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        futures_util::future::try_join_all(keys.iter().map(|key| self.get_item(key, false))).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let attributes = to_attributes(&item)?;
        let expression = condition_expression(condition);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(attributes))
            .set_condition_expression(expression.as_ref().map(|c| c.expression.clone()))
            .set_expression_attribute_names(expression.as_ref().map(|c| c.names.clone()))
            .set_expression_attribute_values(expression.and_then(|c| c.values))
            .send()
            .await
            .map_err(|e| store_error("put", &e, Some(&item.key)))?;
        Ok(())
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        validate_key(key, "delete")?;
        let expression = condition_expression(condition);
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)))
            .set_condition_expression(expression.as_ref().map(|c| c.expression.clone()))
            .set_expression_attribute_names(expression.as_ref().map(|c| c.names.clone()))
            .set_expression_attribute_values(expression.and_then(|c| c.values))
            .send()
            .await
            .map_err(|e| store_error("delete", &e, Some(key)))?;
        Ok(())
    }

    async fn query(&self, pk: &str, options: &QueryOptions) -> Result<Page, StoreError> {
        query(&self.client, &self.table, Index::Table, pk, options).await
    }

    async fn query_gsi1(&self, gsi1_pk: &str, options: &QueryOptions) -> Result<Page, StoreError> {
        query(&self.client, &self.table, Index::Gsi1, gsi1_pk, options).await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        // One put or delete is as atomic without a transaction, and a
        // transactional write is billed twice: send it as the plain call,
        // answering as the transaction would have.
        if let [_] = ops.as_slice() {
            let as_cancelled = |e: StoreError| match e {
                StoreError::ConditionFailed(key) => {
                    StoreError::TransactionCancelled { index: 0, key }
                }
                other => other,
            };
            match ops.into_iter().next() {
                Some(WriteOp::Put { item, condition }) => {
                    return self.put(item, condition).await.map_err(as_cancelled)
                }
                Some(WriteOp::Delete { key, condition }) => {
                    return self.delete(&key, condition).await.map_err(as_cancelled)
                }
                Some(check) => {
                    return transact::transact(&self.client, &self.table, vec![check]).await
                }
                None => return Ok(()),
            }
        }
        transact::transact(&self.client, &self.table, ops).await
    }
}
