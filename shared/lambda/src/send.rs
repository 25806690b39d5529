//! The send function: a batch from the steps queue (SQS event source with
//! `ReportBatchItemFailures`), each message run through the engine's send
//! pipeline (`myx_engine::send::process`, as the local driver runs it), and
//! the messages that should be tried again reported back as batch item
//! failures, each with its back-off set as its visibility timeout.
//!
//! - One contact's messages run in order (its daily cap and claims see each
//!   other); different contacts, and event fan-outs, run concurrently.
//! - The receive that reaches `MYX_STEPS_MAX_RECEIVE_COUNT` is the final
//!   attempt: the engine records a send that fails transiently then as
//!   failed instead of asking for a retry. Anything still failing (the table
//!   unreachable, say) goes to the dead-letter queue for a redrive.
//! - A body that is not a work message cannot succeed on any retry: it is
//!   made visible again at once, so it reaches the dead-letter queue after
//!   the few receives SQS counts, without its body ever being logged.

use crate::backoff::Backoff;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sqs::types::ChangeMessageVisibilityBatchRequestEntry;
use futures_util::future::join_all;
use lambda_runtime::LambdaEvent;
use myx_aws::parse_work_message;
use myx_engine::send::{self, Outcome};
use myx_engine::{Engine, WorkMessage};
use std::collections::BTreeMap;
use std::convert::Infallible;
use tracing::Instrument;

/// SQS's most entries per `ChangeMessageVisibilityBatch`.
const VISIBILITY_BATCH: usize = 10;

/// The send function's handler; built once per cold start.
#[derive(Clone)]
pub struct SendFunction {
    engine: Engine,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    max_receive_count: u32,
    backoff: Backoff,
}

/// One message of the batch.
struct Received {
    message_id: String,
    receipt_handle: Option<String>,
    receive_count: u32,
    work: Option<WorkMessage>,
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Done,
    /// Report it as failed, visible again after `visibility` seconds.
    Retry {
        visibility: i32,
    },
}

impl SendFunction {
    pub fn new(
        engine: Engine,
        sqs: aws_sdk_sqs::Client,
        queue_url: String,
        max_receive_count: u32,
    ) -> Self {
        SendFunction {
            engine,
            sqs,
            queue_url,
            max_receive_count,
            backoff: Backoff::default(),
        }
    }

    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The Lambda handler. It never fails the whole batch: every message's
    /// fate is in the response.
    pub async fn handle(
        &self,
        event: LambdaEvent<SqsEvent>,
    ) -> Result<SqsBatchResponse, Infallible> {
        Ok(self.process_batch(event.payload).await)
    }

    pub async fn process_batch(&self, batch: SqsEvent) -> SqsBatchResponse {
        let total = batch.records.len();
        let mut groups: BTreeMap<String, Vec<Received>> = BTreeMap::new();
        for record in batch.records {
            if let Some(received) = received(record) {
                let key = match &received.work {
                    Some(work) => work.ordering_key(),
                    None => format!("malformed/{}", received.message_id),
                };
                groups.entry(key).or_default().push(received);
            }
        }
        let runs = groups.into_values().map(|group| async move {
            let mut verdicts = Vec::with_capacity(group.len());
            for message in group {
                let verdict = self.process_one(&message).await;
                verdicts.push((message, verdict));
            }
            verdicts
        });
        let mut retries: Vec<(Received, i32)> = Vec::new();
        for (message, verdict) in join_all(runs).await.into_iter().flatten() {
            if let Verdict::Retry { visibility } = verdict {
                retries.push((message, visibility));
            }
        }
        self.set_visibility(&retries).await;
        tracing::info!(messages = total, retries = retries.len(), "batch handled");
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = retries
            .into_iter()
            .map(|(message, _)| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message.message_id;
                failure
            })
            .collect();
        response
    }

    async fn process_one(&self, message: &Received) -> Verdict {
        let span = tracing::info_span!(
            "work",
            messageId = %message.message_id,
            kind = message.work.as_ref().map_or("malformed", WorkMessage::kind),
            receiveCount = message.receive_count,
        );
        async {
            let Some(work) = &message.work else {
                tracing::error!("the body is not a work message; it goes to the dead-letter queue");
                return Verdict::Retry { visibility: 0 };
            };
            let final_attempt = message.receive_count >= self.max_receive_count;
            let why = match send::process(&self.engine, work, final_attempt).await {
                Ok(Outcome::Done) => {
                    tracing::debug!("work done");
                    return Verdict::Done;
                }
                Ok(Outcome::Retry(why)) => why,
                Err(error) => error.to_string(),
            };
            if final_attempt {
                tracing::error!(reason = %why, "work failed on its final attempt; it goes to the dead-letter queue");
                return Verdict::Retry { visibility: 0 };
            }
            let visibility = self.backoff.visibility_seconds(message.receive_count);
            tracing::warn!(reason = %why, retryInSeconds = visibility, "work failed; it will be retried");
            Verdict::Retry { visibility }
        }
        .instrument(span)
        .await
    }

    /// Sets each retried message's visibility timeout. When that fails the
    /// message is still reported as failed and comes back after the queue's
    /// own visibility timeout: later than planned, never lost.
    async fn set_visibility(&self, retries: &[(Received, i32)]) {
        let entries: Vec<ChangeMessageVisibilityBatchRequestEntry> = retries
            .iter()
            .enumerate()
            .filter_map(|(index, (message, visibility))| {
                let handle = message.receipt_handle.as_ref()?;
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(index.to_string())
                    .receipt_handle(handle)
                    .visibility_timeout(*visibility)
                    .build()
                    .ok()
            })
            .collect();
        for chunk in entries.chunks(VISIBILITY_BATCH) {
            let result = self
                .sqs
                .change_message_visibility_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(chunk.to_vec()))
                .send()
                .await;
            match result {
                Ok(output) if output.failed().is_empty() => {}
                Ok(output) => tracing::warn!(
                    failed = output.failed().len(),
                    codes = ?output.failed().iter().map(|f| f.code()).collect::<Vec<_>>(),
                    "SQS kept the queue's visibility timeout for some retries"
                ),
                Err(error) => tracing::warn!(
                    error = %aws_sdk_sqs::error::DisplayErrorContext(&error),
                    "SQS ChangeMessageVisibilityBatch failed; retries wait for the queue's visibility timeout"
                ),
            }
        }
    }
}

/// The parts of a record the handler uses; `None` (logged) for a record
/// without a message id, which no batch item failure could name.
fn received(record: SqsMessage) -> Option<Received> {
    let Some(message_id) = record.message_id.filter(|id| !id.is_empty()) else {
        tracing::error!("an SQS record has no messageId; it is skipped");
        return None;
    };
    let receive_count = record
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let work = record
        .body
        .as_deref()
        .and_then(|body| parse_work_message(body).ok());
    Some(Received {
        message_id,
        receipt_handle: record.receipt_handle,
        receive_count,
        work,
    })
}
