//! The work queue on SQS: `SendMessageBatch` in chunks of ten (SQS's
//! limit), a few chunks in flight at once, the body the [`WorkMessage`]
//! JSON, and `DelaySeconds` capped at SQS's 900. Entries SQS refuses are
//! sent once more; if any still fail the whole enqueue fails, so the
//! caller's retry covers them (consumers are idempotent, so a message sent
//! twice is harmless).

use crate::aws_error::classify;
use aws_config::SdkConfig;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use aws_sdk_sqs::Client;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use myx_engine::ports::PortError;
use myx_engine::{WorkMessage, WorkQueue};

const PORT: &str = "queue";
/// SQS's most entries per `SendMessageBatch`.
const BATCH_SIZE: usize = 10;
/// SQS's longest delay.
const MAX_DELAY_SECONDS: u32 = 900;
/// Batches in flight at once (a fan-out enqueues thousands of messages).
const CONCURRENT_BATCHES: usize = 4;

/// [`WorkQueue`] on the SQS queue at `queue_url`.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    queue_url: String,
}

impl SqsQueue {
    pub fn new(config: &SdkConfig, queue_url: impl Into<String>) -> Self {
        Self::from_client(Client::new(config), queue_url)
    }

    pub fn from_client(client: Client, queue_url: impl Into<String>) -> Self {
        SqsQueue {
            client,
            queue_url: queue_url.into(),
        }
    }

    /// Sends one chunk; entries refused are sent once more.
    async fn send_batch(&self, bodies: Vec<String>, delay: i32) -> Result<(), PortError> {
        let mut pending: Vec<(String, String)> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, body)| (i.to_string(), body))
            .collect();
        for attempt in 1..=2 {
            let entries = pending
                .iter()
                .map(|(id, body)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(id)
                        .message_body(body)
                        .delay_seconds(delay)
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| PortError::new(PORT, format!("cannot build a batch entry: {e}")))?;
            let output = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| {
                    let failure = classify(&e);
                    tracing::warn!(error = %failure.summary, "SQS SendMessageBatch failed");
                    PortError::new(
                        PORT,
                        format!("SendMessageBatch failed: {}", failure.summary),
                    )
                })?;
            if output.failed().is_empty() {
                return Ok(());
            }
            let failures: Vec<String> = output
                .failed()
                .iter()
                .map(|f| format!("{} ({})", f.code(), f.message().unwrap_or("no message")))
                .collect();
            tracing::warn!(
                attempt,
                failed = failures.len(),
                errors = ?failures,
                "SQS refused some batch entries"
            );
            if attempt == 2 {
                return Err(PortError::new(
                    PORT,
                    format!(
                        "SQS refused {} of the messages twice: {}",
                        failures.len(),
                        failures.join("; ")
                    ),
                ));
            }
            let failed_ids: Vec<&str> = output.failed().iter().map(|f| f.id()).collect();
            pending.retain(|(id, _)| failed_ids.contains(&id.as_str()));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl WorkQueue for SqsQueue {
    async fn enqueue(
        &self,
        messages: Vec<WorkMessage>,
        delay_seconds: u32,
    ) -> Result<(), PortError> {
        let delay = i32::try_from(delay_seconds.min(MAX_DELAY_SECONDS)).unwrap_or(0);
        let bodies = messages
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PortError::new(PORT, format!("cannot encode a work message: {e}")))?;
        let chunks: Vec<Vec<String>> = bodies.chunks(BATCH_SIZE).map(<[String]>::to_vec).collect();
        stream::iter(chunks)
            .map(|chunk| self.send_batch(chunk, delay))
            .buffer_unordered(CONCURRENT_BATCHES)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }
}

/// A queue message body that is not a work message.
#[derive(Debug, thiserror::Error)]
#[error("the message body is not a work message: {0}")]
pub struct MessageBodyError(#[from] serde_json::Error);

/// The [`WorkMessage`] in an SQS message body (as [`SqsQueue`] and the
/// scheduler's target input write it).
pub fn parse_work_message(body: &str) -> Result<WorkMessage, MessageBodyError> {
    Ok(serde_json::from_str(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_parse_back_and_garbage_is_an_error() {
        let message = WorkMessage::PostEvent {
            tenant: "t1".into(),
            event: "e1".into(),
            contact: "c1".into(),
        };
        let body = serde_json::to_string(&message).unwrap();
        assert_eq!(parse_work_message(&body).unwrap(), message);
        for bad in [
            "",
            "{",
            "[]",
            "{\"kind\":\"nope\"}",
            "{\"kind\":\"post_event\"}",
        ] {
            assert!(parse_work_message(bad).is_err(), "{bad:?}");
        }
    }
}
