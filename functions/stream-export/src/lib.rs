//! The `stream-export` function: each batch of the table's stream becomes
//! gzipped NDJSON objects in the export bucket, one per (entity, UTC day),
//! as `infra/README.md` specifies.
//!
//! - [`stream`]: a DynamoDB stream record as the engine's [`Change`](myx_engine::export::Change).
//! - [`exporter`]: a batch in, objects out to S3; the Lambda handler.
//!
//! Delivery: the event source mapping retries a failed batch, bisecting it
//! (`BisectBatchOnFunctionError`), then sends its description to the DLQ.
//! So the handler fails the whole batch, before writing anything, when a
//! record of an exported item cannot be read: the bisection isolates it and
//! the rest of the batch is exported. Object names depend only on the
//! records they hold, so a retried batch rewrites the same objects with the
//! same bytes.

pub mod exporter;
pub mod stream;

pub use exporter::{BatchError, ExportSummary, Exporter, SettingsError};
pub use stream::{change_of, RecordError};
