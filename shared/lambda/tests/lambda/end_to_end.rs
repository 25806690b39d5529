//! The issue's end-to-end test on the emulator: the `enroll` handler,
//! invoked with the real API Gateway v2 sample event, writes the items and
//! the schedules; a due schedule fired (its target input sent to the queue,
//! as EventBridge Scheduler does) and the resulting SQS batch run through
//! the `send` handler puts the email in SES's record; a second delivery of
//! the same message sends nothing. The logs of it all hold no raw email
//! address or phone number and carry the invocation's ids.

use crate::logs::{capture, span_fields};
use crate::support::*;
use aws_lambda_events::event::sqs::SqsEvent;
use myx_core::Channel;
use myx_engine::keys;
use myx_engine::scheduling::{contact_step_timer_name, event_step_timer_name};
use myx_engine::TableStore;
use myx_lambda::HttpFunction;
use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

const FUNNEL_YAML: &str = include_str!("../../../../examples/funnels/webinar.yaml");

/// A Twilio Messages API that accepts every SMS.
pub async fn twilio() -> MockServer {
    twilio_answering(twilio_accepted()).await
}

/// Twilio's answer to an accepted SMS.
pub fn twilio_accepted() -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "sid": "SM5e8a3b1c9d7f4e2a6b0c8d1e3f5a7b9c", "status": "queued"
    }))
}

/// A Twilio Messages API whose every SMS `responder` answers.
pub async fn twilio_answering(responder: impl Respond + 'static) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/2010-04-01/Accounts/AC0+/Messages\.json$"))
        .respond_with(responder)
        .mount(&server)
        .await;
    server
}

/// Stores the example funnel and creates the fixture's event (platform
/// `other`: Zoom registration is not this issue's); returns the event id.
pub async fn admin_setup(stack: &Stack, admin: &myx_lambda::App) -> String {
    let put = api_event(
        "PUT",
        "/v1/funnels/webinar-7day",
        Some("application/yaml"),
        Some(FUNNEL_YAML),
    );
    let response = stack.invoke_http(admin, HttpFunction::Admin, put).await;
    assert!(matches!(response.status, 200 | 201), "{}", response.body);
    let mut create = fixture("admin-create-event.json");
    let mut body: Value = serde_json::from_str(create["body"].as_str().unwrap()).unwrap();
    body["platform"] = json!("other");
    body["joinUrl"] = json!("https://events.acme-webinars.test/live");
    body["replayUrl"] = json!("https://events.acme-webinars.test/replay");
    body.as_object_mut().unwrap().remove("zoomMeetingId");
    create["body"] = json!(body.to_string());
    let response = stack.invoke_http(admin, HttpFunction::Admin, create).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()["id"].as_str().unwrap().to_string()
}

/// The fixture's enrollment for `event_id`, from `email`.
pub fn enrollment_event(event_id: &str, email: &str) -> Value {
    let mut event = fixture("enroll-post-enrollment.json");
    let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    body["eventId"] = json!(event_id);
    body["email"] = json!(email);
    event["body"] = json!(body.to_string());
    event["headers"]["idempotency-key"] = json!(myx_emulator::unique_name("idem"));
    event["headers"]
        .as_object_mut()
        .unwrap()
        .remove("content-length");
    event
}

/// The subjects of the emails SES recorded for `address`.
pub async fn subjects_sent_to(address: &str) -> Vec<String> {
    subjects_in(&myx_emulator::sent_mail().await, address)
}

/// The subjects of the emails in `mail` sent to `address`.
pub fn subjects_in(mail: &myx_emulator::SentMail, address: &str) -> Vec<String> {
    mail.raw_messages
        .iter()
        .filter(|m| m.destinations.iter().any(|d| d == address))
        .map(|m| {
            let parsed = mail_parser::MessageParser::default()
                .parse(m.raw_data.as_bytes())
                .unwrap();
            parsed.subject().unwrap_or_default().to_string()
        })
        .collect()
}

/// Receives until `n` messages are in hand (the welcome is queued with a
/// short delay), at most ten seconds.
pub async fn receive_messages(stack: &Stack, n: usize) -> SqsEvent {
    let mut all = SqsEvent::default();
    for _ in 0..10 {
        let batch = stack.receive_batch(1).await;
        all.records.extend(batch.records);
        if all.records.len() >= n {
            break;
        }
    }
    assert_eq!(all.records.len(), n, "messages received");
    all
}

#[tokio::test]
async fn an_enrollment_is_scheduled_fired_and_sent_once() {
    let twilio = twilio().await;
    let stack = Stack::new(fixture_secret(), &[("TWILIO_API_BASE", &twilio.uri())]).await;
    let (logs, _guard) = capture();
    let admin = stack.cold_start(Some(HttpFunction::Admin)).await;
    let event_id = admin_setup(&stack, &admin).await;

    // Enroll, from the sample API Gateway v2 event.
    let email = format!("{}@example.com", myx_emulator::unique_name("ada"));
    let enroll = stack.cold_start(None).await;
    let response = stack
        .invoke_http(
            &enroll,
            HttpFunction::Enroll,
            enrollment_event(&event_id, &email),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(response.headers["content-type"], json!("application/json"));
    let enrolled = response.json();
    let contact_id = enrolled["contactId"].as_str().unwrap().to_string();
    assert_eq!(enrolled["eventId"], json!(event_id));

    // The items: registration and contact, read back from DynamoDB.
    let store = myx_aws::DynamoStore::new(&stack.harness, &stack.table);
    let registration = store
        .get(&keys::registration(TENANT, &event_id, &contact_id))
        .await
        .unwrap()
        .expect("the registration item");
    assert_eq!(registration.data["enrollmentId"], enrolled["enrollmentId"]);
    assert!(store
        .get(&keys::contact(TENANT, &contact_id))
        .await
        .unwrap()
        .is_some());

    // The schedules: one per (event, step) for the event-anchored steps,
    // the contact's own for the local-time step; nothing for the welcome,
    // which is due at once and went to the queue with a delay instead.
    let schedules = stack.schedules().await;
    let names: Vec<&str> = schedules.iter().map(|(n, _, _)| n.as_str()).collect();
    for step in [
        "nurture-story",
        "nurture-mistakes",
        "nurture-case-study",
        "nurture-nudge",
        "reminder-24h",
        "reminder-1h",
    ] {
        let name = event_step_timer_name(TENANT, &event_id, step);
        assert!(names.contains(&name.as_str()), "{step}: {names:?}");
    }
    let day_before =
        contact_step_timer_name(TENANT, &event_id, &contact_id, "day-before", Channel::Email);
    assert!(names.contains(&day_before.as_str()), "{names:?}");
    assert_eq!(schedules.len(), 7, "{names:?}");
    let welcome =
        contact_step_timer_name(TENANT, &event_id, &contact_id, "welcome", Channel::Email);
    assert!(!names.contains(&welcome.as_str()));

    // The send function works the welcome (email and SMS) off the queue.
    let send = stack.cold_start(None).await;
    let batch = receive_messages(&stack, 2).await;
    let result = stack.invoke_send(&send, batch.clone()).await;
    assert!(result.batch_item_failures.is_empty(), "{result:?}");
    stack.delete_handled(&batch, &result).await;
    let subjects = subjects_sent_to(&email).await;
    assert_eq!(
        subjects,
        ["You're in, Ada: Scaling Your Coaching Business"],
        "{subjects:?}"
    );
    assert_eq!(
        twilio.received_requests().await.unwrap().len(),
        1,
        "the welcome SMS"
    );

    // Fire the due schedule (the day-before email, 09:00 New York time on
    // 9 December), run the send handler on the batch it makes.
    let (name, due, input) = schedules
        .iter()
        .find(|(n, _, _)| *n == day_before)
        .unwrap()
        .clone();
    assert_eq!(due.to_string(), "2026-12-09T14:00:00Z");
    stack.clock.advance_to(due);
    stack.fire(&name, &input).await;
    let fired = receive_messages(&stack, 1).await;
    assert_eq!(fired.records[0].body.as_deref(), Some(input.as_str()));
    let result = stack.invoke_send(&send, fired.clone()).await;
    assert!(result.batch_item_failures.is_empty(), "{result:?}");
    let subjects = subjects_sent_to(&email).await;
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(
        subjects.contains(&"Tomorrow: Scaling Your Coaching Business".to_string()),
        "{subjects:?}"
    );

    // The same message delivered again (SQS is at least once), and the
    // timer delivered again (so is the scheduler): nothing more is sent.
    let again = stack.invoke_send(&send, fired.clone()).await;
    assert!(again.batch_item_failures.is_empty(), "{again:?}");
    stack.delete_handled(&fired, &result).await;
    stack.platform_send(&input).await;
    let redelivered = receive_messages(&stack, 1).await;
    let result = stack.invoke_send(&send, redelivered.clone()).await;
    assert!(result.batch_item_failures.is_empty(), "{result:?}");
    stack.delete_handled(&redelivered, &result).await;
    assert_eq!(subjects_sent_to(&email).await.len(), 2, "no second email");
    assert_eq!(
        twilio.received_requests().await.unwrap().len(),
        1,
        "no second SMS"
    );

    // Adapters are built once per cold start: one secret read per function.
    let secret_reads = stack
        .requests
        .calls()
        .iter()
        .filter(|c| c.operation == "GetSecretValue")
        .count();
    assert_eq!(secret_reads, 3, "admin, enroll and send each read it once");

    // The logs: JSON, never the address or the number, and every line of
    // an invocation carries its request id.
    let text = logs.text();
    let local_part = email.split('@').next().unwrap();
    for personal in [
        email.as_str(),
        local_part,
        "+12025550143",
        "2025550143",
        "202-555-0143",
    ] {
        assert!(!text.contains(personal), "{personal} is in the logs");
    }
    let lines = logs.lines();
    let handled: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == json!("request handled"))
        .collect();
    assert_eq!(handled.len(), 3, "funnel, event, enrollment");
    for line in &handled {
        let spans = span_fields(line);
        assert!(spans.contains_key("requestId"), "{line}");
        assert!(
            spans["apigwRequestId"]
                .as_str()
                .unwrap()
                .starts_with("Vx3n"),
            "{line}"
        );
    }
    let works: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == json!("work done"))
        .collect();
    assert_eq!(
        works.len(),
        5,
        "welcome x2, day-before, and its two repeats"
    );
    for line in works {
        let spans = span_fields(line);
        assert!(
            spans.contains_key("requestId") && spans.contains_key("messageId"),
            "{line}"
        );
    }
}
