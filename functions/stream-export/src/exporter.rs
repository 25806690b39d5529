//! A stream batch in, export objects out to S3.

use crate::stream::{change_of, RecordError};
use aws_sdk_s3::primitives::ByteStream;
use futures_util::future::try_join_all;
use lambda_runtime::{Diagnostic, LambdaEvent};
use myx_engine::export::{encode_objects, record_of, ExportError, ExportObject};
use serde::Serialize;
use serde_json::Value;

/// The bucket the objects go to.
pub const BUCKET_VAR: &str = "MYX_EXPORT_BUCKET";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("{BUCKET_VAR} is not set")]
    NoBucket,
}

/// Why a batch was not exported; the event source mapping then retries it
/// (bisecting) and finally reports it to the DLQ. Messages name record
/// positions, sequence numbers and keys, never item data.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("the event has no Records list")]
    NotABatch,
    #[error("record {index} (sequence {sequence}): {source}")]
    Record {
        index: usize,
        /// The record's sequence number when it has a readable one, else `?`.
        sequence: String,
        source: RecordError,
    },
    #[error("encoding the export: {0}")]
    Encode(#[from] ExportError),
    #[error("writing s3://{bucket}/{key}: {message}")]
    Put {
        bucket: String,
        key: String,
        message: String,
    },
}

impl From<BatchError> for Diagnostic {
    fn from(error: BatchError) -> Self {
        let kind = match &error {
            BatchError::NotABatch => "NotABatch",
            BatchError::Record { .. } => "MalformedRecord",
            BatchError::Encode(_) => "Encode",
            BatchError::Put { .. } => "S3Put",
        };
        Diagnostic {
            error_type: format!("StreamExport.{kind}"),
            error_message: error.to_string(),
        }
    }
}

/// What one batch did (the handler's answer, and its log line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSummary {
    /// Records in the batch.
    pub records: usize,
    /// Records exported (the rest are items that are not exported).
    pub exported: usize,
    /// The object keys written, in (entity, day) order.
    pub objects: Vec<String>,
}

/// Built once per cold start; shared by every invocation.
#[derive(Clone)]
pub struct Exporter {
    s3: aws_sdk_s3::Client,
    bucket: String,
}

impl Exporter {
    pub fn new(s3: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Exporter {
            s3,
            bucket: bucket.into(),
        }
    }

    /// From the Lambda environment: `MYX_EXPORT_BUCKET` and the SDK's own
    /// variables. A custom endpoint (`AWS_ENDPOINT_URL`, e.g. an emulator)
    /// gets path-style addressing, which such endpoints need.
    pub async fn from_env() -> Result<Self, SettingsError> {
        let bucket = std::env::var(BUCKET_VAR)
            .ok()
            .filter(|b| !b.trim().is_empty())
            .ok_or(SettingsError::NoBucket)?;
        let config = aws_config::load_from_env().await;
        Ok(Exporter::new(s3_client(&config), bucket))
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The Lambda handler.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<ExportSummary, BatchError> {
        let result = self.export(&event.payload).await;
        match &result {
            Ok(summary) => tracing::info!(
                records = summary.records,
                exported = summary.exported,
                objects = ?summary.objects,
                "batch exported"
            ),
            Err(error) => tracing::error!(%error, "batch not exported; it will be retried"),
        }
        result
    }

    /// Exports one batch: every record is read first (a bad one fails the
    /// batch before anything is written), then the objects are written
    /// concurrently. Writing them again gives the same keys and bytes.
    pub async fn export(&self, batch: &Value) -> Result<ExportSummary, BatchError> {
        let raw_records = batch
            .get("Records")
            .and_then(Value::as_array)
            .ok_or(BatchError::NotABatch)?;
        let mut records = Vec::new();
        for (index, raw) in raw_records.iter().enumerate() {
            let failed = |source: RecordError| BatchError::Record {
                index,
                sequence: sequence_of(raw),
                source,
            };
            let Some(change) = change_of(raw).map_err(failed)? else {
                continue;
            };
            if let Some(record) = record_of(&change).map_err(|e| failed(e.into()))? {
                records.push(record);
            }
        }
        let objects = encode_objects(&records)?;
        try_join_all(objects.iter().map(|object| self.put(object))).await?;
        Ok(ExportSummary {
            records: raw_records.len(),
            exported: records.len(),
            objects: objects.iter().map(ExportObject::key).collect(),
        })
    }

    async fn put(&self, object: &ExportObject) -> Result<(), BatchError> {
        let key = object.key();
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(myx_engine::export::ndjson::CONTENT_TYPE)
            .body(ByteStream::from(object.body.clone()))
            .send()
            .await
            .map_err(|e| BatchError::Put {
                bucket: self.bucket.clone(),
                key: key.clone(),
                message: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
            })?;
        tracing::debug!(
            key,
            records = object.records,
            bytes = object.body.len(),
            "object written"
        );
        Ok(())
    }
}

/// An S3 client for `config`; path-style addressing when the endpoint is
/// custom (an emulator has no per-bucket host names).
pub fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(config.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(s3_config)
}

/// A record's sequence number for error messages: only when it is digits.
fn sequence_of(raw: &Value) -> String {
    raw.get("dynamodb")
        .and_then(|d| d.get("SequenceNumber"))
        .and_then(Value::as_str)
        .filter(|s| myx_engine::export::Sequence::parse(s).is_some())
        .unwrap_or("?")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_types_are_stable_and_messages_name_no_data() {
        let error = BatchError::Record {
            index: 3,
            sequence: "42".into(),
            source: RecordError::NoData("new"),
        };
        let diagnostic = Diagnostic::from(error);
        assert_eq!(diagnostic.error_type, "StreamExport.MalformedRecord");
        assert_eq!(
            diagnostic.error_message,
            "record 3 (sequence 42): its new image has no data map"
        );
    }

    #[test]
    fn only_digit_sequence_numbers_reach_messages() {
        assert_eq!(
            sequence_of(&json!({"dynamodb": {"SequenceNumber": "12"}})),
            "12"
        );
        assert_eq!(
            sequence_of(&json!({"dynamodb": {"SequenceNumber": "ada@example.com"}})),
            "?"
        );
        assert_eq!(sequence_of(&json!({})), "?");
    }
}
