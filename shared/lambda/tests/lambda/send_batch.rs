//! The send function's batch handling, through the real queue: partial
//! batch failures, the retry back-off as visibility timeouts, the final
//! attempt, and the sample batch's shape.

use crate::end_to_end::admin_setup;
use crate::support::*;
use aws_lambda_events::event::sqs::SqsEvent;
use myx_engine::WorkMessage;
use myx_lambda::HttpFunction;
use serde_json::json;

fn contact_step(event: &str, contact: &str) -> String {
    serde_json::to_string(&WorkMessage::ContactStep {
        tenant: TENANT.into(),
        event: event.into(),
        contact: contact.into(),
        step: "welcome".into(),
        channel: myx_core::Channel::Email,
        schedule_version: 1,
    })
    .unwrap()
}

fn id_of(batch: &SqsEvent, body: &str) -> String {
    batch
        .records
        .iter()
        .find(|r| r.body.as_deref() == Some(body))
        .and_then(|r| r.message_id.clone())
        .unwrap()
}

#[tokio::test]
async fn failures_are_reported_per_message_and_come_back_after_their_back_off() {
    let stack = Stack::new(fixture_secret(), &[]).await;
    let admin = stack.cold_start(Some(HttpFunction::Admin)).await;
    let event_id = admin_setup(&stack, &admin).await;
    // Done: the event does not exist (nothing to do). Retry: the event
    // exists but the registration is not written yet. Malformed: no retry
    // can help.
    let done = contact_step("evt_gone", "con_1");
    let retry = contact_step(&event_id, "con_not_yet_registered");
    let malformed = "{\"kind\":\"contact_step\",\"tenant\":".to_string();
    for body in [&done, &retry, &malformed] {
        stack.platform_send(body).await;
    }
    let mut batch = SqsEvent::default();
    for _ in 0..5 {
        batch.records.extend(stack.receive_batch(1).await.records);
        if batch.records.len() == 3 {
            break;
        }
    }
    assert_eq!(batch.records.len(), 3);

    let send = stack.cold_start(None).await;
    let response = stack.invoke_send(&send, batch.clone()).await;
    let mut failed: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    failed.sort();
    let mut expected = vec![id_of(&batch, &retry), id_of(&batch, &malformed)];
    expected.sort();
    assert_eq!(failed, expected);
    assert_eq!(
        serde_json::to_value(&response).unwrap()["batchItemFailures"][0]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["itemIdentifier"],
        "the shape ReportBatchItemFailures reads"
    );
    stack.delete_handled(&batch, &response).await;

    // The malformed message is visible again at once (it heads for the
    // dead-letter queue); the retry waits its minute; the done one is gone.
    let again = stack.receive_batch(2).await;
    let bodies: Vec<&str> = again
        .records
        .iter()
        .filter_map(|r| r.body.as_deref())
        .collect();
    assert_eq!(bodies, [malformed.as_str()]);
    assert_eq!(again.records[0].attributes["ApproximateReceiveCount"], "2");
    let later = stack.receive_batch(1).await;
    assert!(later.records.is_empty(), "the retry is still invisible");
}

#[tokio::test]
async fn the_receive_that_reaches_the_max_receive_count_is_the_final_attempt() {
    let stack = Stack::new(fixture_secret(), &[("MYX_STEPS_MAX_RECEIVE_COUNT", "3")]).await;
    let admin = stack.cold_start(Some(HttpFunction::Admin)).await;
    let event_id = admin_setup(&stack, &admin).await;
    let send = stack.cold_start(None).await;
    let batch_at = |count: u32| -> SqsEvent {
        serde_json::from_value(json!({"Records": [{
            "messageId": format!("m-{count}"),
            "receiptHandle": "not-a-real-handle",
            "body": contact_step(&event_id, "con_never_registered"),
            "attributes": {"ApproximateReceiveCount": count.to_string()},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
        }]}))
        .unwrap()
    };
    // Early: the registration may still be on its way, so retry.
    let response = stack.invoke_send(&send, batch_at(2)).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(response.batch_item_failures[0].item_identifier, "m-2");
    // Third receive of three: the enrollment evidently failed; done.
    let response = stack.invoke_send(&send, batch_at(3)).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
}

#[tokio::test]
async fn the_sample_batch_is_read_and_answered_with_its_own_message_ids() {
    let stack = Stack::new(fixture_secret(), &[]).await;
    let send = stack.cold_start(None).await;
    let batch: SqsEvent = serde_json::from_value(fixture("send-sqs-batch.json")).unwrap();
    let ids: Vec<String> = batch
        .records
        .iter()
        .filter_map(|r| r.message_id.clone())
        .collect();
    assert_eq!(ids.len(), 6);
    let response = stack.invoke_send(&send, batch).await;
    // Nothing of the sample deployment exists in this table: steps of an
    // unknown event are done; a post-event plan or a notice for it is
    // retried (the event may be being written), never silently dropped.
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(
        failed,
        [ids[3].as_str(), ids[4].as_str()],
        "post_event and notice"
    );
}
