//! The work queue on SQS (moto): messages read back from the queue.

use myx_aws::{parse_work_message, SqsQueue};
use myx_engine::{WorkMessage, WorkQueue};
use std::time::{Duration, Instant};

fn message(i: usize) -> WorkMessage {
    WorkMessage::PostEvent {
        tenant: "t1".into(),
        event: "evt_1".into(),
        contact: format!("con_{i:03}"),
    }
}

/// Receives until `want` messages arrived or `within` passed; deletes them.
async fn receive(
    client: &aws_sdk_sqs::Client,
    url: &str,
    want: usize,
    within: Duration,
) -> Vec<WorkMessage> {
    let deadline = Instant::now() + within;
    let mut messages = Vec::new();
    while messages.len() < want && Instant::now() < deadline {
        let output = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("received");
        for m in output.messages() {
            messages.push(parse_work_message(m.body().expect("a body")).expect("a work message"));
            client
                .delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().expect("a receipt handle"))
                .send()
                .await
                .expect("deleted");
        }
    }
    messages
}

fn sorted(mut messages: Vec<WorkMessage>) -> Vec<String> {
    let mut keys: Vec<String> = messages
        .drain(..)
        .map(|m| serde_json::to_string(&m).unwrap())
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn enqueue_sends_every_message_as_work_message_json() {
    let config = myx_emulator::sdk_config();
    let queue = myx_emulator::create_queue_with_dlq(&config, 3).await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let adapter = SqsQueue::new(&config, &queue.url);
    // 23: two full batches of ten and a partial one.
    let sent: Vec<WorkMessage> = (0..23).map(message).collect();
    adapter.enqueue(sent.clone(), 0).await.expect("enqueued");
    let received = receive(&sqs, &queue.url, 23, Duration::from_secs(10)).await;
    assert_eq!(sorted(received), sorted(sent));
    let extra = receive(&sqs, &queue.url, 1, Duration::from_secs(1)).await;
    assert!(extra.is_empty(), "nothing twice: {extra:?}");
}

#[tokio::test]
async fn delay_hides_messages_until_due_and_is_capped_at_900_seconds() {
    let config = myx_emulator::sdk_config();
    let queue = myx_emulator::create_queue_with_dlq(&config, 3).await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let adapter = SqsQueue::new(&config, &queue.url);
    adapter
        .enqueue(vec![message(1)], 3)
        .await
        .expect("enqueued");
    let early = sqs
        .receive_message()
        .queue_url(&queue.url)
        .send()
        .await
        .expect("received");
    assert!(early.messages().is_empty(), "delayed messages are hidden");
    let received = receive(&sqs, &queue.url, 1, Duration::from_secs(8)).await;
    assert_eq!(received, [message(1)]);

    // SQS (and moto) refuse delays over 900 s; the adapter caps them.
    adapter
        .enqueue((0..12).map(message).collect(), 5_000)
        .await
        .expect("a long delay is capped, not refused");
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue.url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .expect("attributes");
    let delayed = attributes
        .attributes()
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        })
        .cloned();
    assert_eq!(delayed.as_deref(), Some("12"));
}

#[tokio::test]
async fn enqueueing_nothing_sends_nothing() {
    let config = myx_emulator::sdk_config();
    let queue = myx_emulator::create_queue_with_dlq(&config, 3).await;
    let adapter = SqsQueue::new(&config, &queue.url);
    adapter.enqueue(Vec::new(), 0).await.expect("a no-op");
    let sqs = aws_sdk_sqs::Client::new(&config);
    assert!(receive(&sqs, &queue.url, 1, Duration::from_secs(1))
        .await
        .is_empty());
}

#[tokio::test]
async fn a_missing_queue_or_an_outage_is_an_error() {
    let config = myx_emulator::sdk_config();
    let queue = myx_emulator::create_queue_with_dlq(&config, 3).await;
    let missing = SqsQueue::new(&config, queue.url.replace("myx-steps", "myx-gone"));
    let error = missing
        .enqueue(vec![message(1)], 0)
        .await
        .expect_err("no such queue");
    assert_eq!(error.port, "queue");

    let down = SqsQueue::new(&myx_emulator::unreachable_sdk_config(), &queue.url);
    let error = down
        .enqueue(vec![message(1)], 0)
        .await
        .expect_err("nothing listens");
    assert_eq!(error.port, "queue");
}
