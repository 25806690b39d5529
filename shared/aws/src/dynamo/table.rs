//! The table's layout, in one place: the attribute names the store writes
//! and the function that creates a table with exactly this layout.
//!
//! The SAM template must declare the same (keep them in sync):
//!
//! ```yaml
//! Table:
//!   Type: AWS::DynamoDB::Table
//!   Properties:
//!     BillingMode: PAY_PER_REQUEST
//!     AttributeDefinitions:
//!       - { AttributeName: PK, AttributeType: S }
//!       - { AttributeName: SK, AttributeType: S }
//!       - { AttributeName: GSI1PK, AttributeType: S }
//!       - { AttributeName: GSI1SK, AttributeType: S }
//!     KeySchema:
//!       - { AttributeName: PK, KeyType: HASH }
//!       - { AttributeName: SK, KeyType: RANGE }
//!     GlobalSecondaryIndexes:
//!       - IndexName: GSI1
//!         KeySchema:
//!           - { AttributeName: GSI1PK, KeyType: HASH }
//!           - { AttributeName: GSI1SK, KeyType: RANGE }
//!         Projection: { ProjectionType: ALL }
//!     TimeToLiveSpecification: { AttributeName: ttl, Enabled: true }
//!     StreamSpecification: { StreamViewType: NEW_AND_OLD_IMAGES }
//! ```

use crate::aws_error::classify;
use aws_sdk_dynamodb::error::BuildError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus,
    TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use std::time::Duration;

/// Partition key (S).
pub const PK: &str = "PK";
/// Sort key (S).
pub const SK: &str = "SK";
/// The one global secondary index.
pub const GSI1: &str = "GSI1";
/// GSI1 partition key (S); absent when the item is not indexed.
pub const GSI1PK: &str = "GSI1PK";
/// GSI1 sort key (S).
pub const GSI1SK: &str = "GSI1SK";
/// TTL attribute: epoch seconds (N). DynamoDB deletes expired items only
/// eventually, so readers also check it.
pub const TTL: &str = "ttl";
/// Optimistic-concurrency version (N).
pub const VERSION: &str = "ver";
/// The entity's attributes, as a native DynamoDB map (M).
pub const DATA: &str = "data";

/// How long [`create_table`] waits for the table to become active.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateTableError {
    #[error("DynamoDB refused to {step} for table {table}: {message}")]
    Aws {
        table: String,
        step: &'static str,
        message: String,
    },
    #[error("table {table} was not active after {seconds}s")]
    NotActive { table: String, seconds: u64 },
}

/// Creates `name` with the layout above (on-demand billing, stream of new
/// and old images), waits until it is active and enables TTL on `ttl`.
pub async fn create_table(client: &Client, name: &str) -> Result<(), CreateTableError> {
    let aws = |step: &'static str, message: String| CreateTableError::Aws {
        table: name.to_string(),
        step,
        message,
    };
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(
            [PK, SK, GSI1PK, GSI1SK]
                .into_iter()
                .map(string_attribute)
                .collect::<Result<_, _>>()
                .map_err(|e| aws("define the attributes", e.to_string()))?,
        ))
        .set_key_schema(Some(
            key_schema(PK, SK).map_err(|e| aws("define the key", e.to_string()))?,
        ))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(GSI1)
                .set_key_schema(Some(
                    key_schema(GSI1PK, GSI1SK)
                        .map_err(|e| aws("define the index key", e.to_string()))?,
                ))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(|e| aws("define the index", e.to_string()))?,
        )
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .map_err(|e| aws("define the stream", e.to_string()))?,
        )
        .send()
        .await
        .map_err(|e| aws("create the table", classify(&e).summary))?;
    wait_until_active(client, name).await?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL)
                .enabled(true)
                .build()
                .map_err(|e| aws("define TTL", e.to_string()))?,
        )
        .send()
        .await
        .map_err(|e| aws("enable TTL", classify(&e).summary))?;
    Ok(())
}

async fn wait_until_active(client: &Client, name: &str) -> Result<(), CreateTableError> {
    let started = std::time::Instant::now();
    loop {
        let described = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| CreateTableError::Aws {
                table: name.to_string(),
                step: "describe the table",
                message: classify(&e).summary,
            })?;
        let status = described.table().and_then(|t| t.table_status());
        if status == Some(&TableStatus::Active) {
            return Ok(());
        }
        if started.elapsed() > ACTIVE_TIMEOUT {
            return Err(CreateTableError::NotActive {
                table: name.to_string(),
                seconds: ACTIVE_TIMEOUT.as_secs(),
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, BuildError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
}

fn key_schema(hash: &str, range: &str) -> Result<Vec<KeySchemaElement>, BuildError> {
    [(hash, KeyType::Hash), (range, KeyType::Range)]
        .into_iter()
        .map(|(name, key_type)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
        })
        .collect()
}
