//! The deployment the tests run against: one stack's resources on moto
//! (table, steps queue and DLQ, schedule group, SES identity and
//! configuration set, the app secret), the functions' settings for them, a
//! virtual clock, and the AWS services' own parts (EventBridge Scheduler
//! firing, the SQS event source mapping) played by the test, uncounted.

use crate::requests::{counting, RequestLog};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use jiff::Timestamp;
use lambda_runtime::{Context, LambdaEvent};
use myx_emulator::TestQueue;
use myx_engine::ManualClock;
use myx_lambda::{App, HttpFunction, LambdaSettings};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tracing::Instrument;

/// The fixtures' deployment (events/README.md).
pub const PUBLIC_URL: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";
pub const TENANT: &str = "acme";
pub const ADMIN_KEY: &str = "myx_fixture_admin_key_0123456789abcdef";
pub const TWILIO_AUTH_TOKEN: &str = "fixture0twilio0auth0token0000000";
/// When the fixtures' requests were made.
pub const FIXTURE_TIME: &str = "2026-11-20T14:03:12Z";
pub const SENDER: &str = "events@acme-webinars.test";

/// A sample event from `events/`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/../../events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An API Gateway v2 event in the fixtures' envelope, for another route.
pub fn api_event(
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: Option<&str>,
) -> Value {
    let mut event = fixture("admin-create-event.json");
    let route = format!("{method} {path}");
    event["routeKey"] = json!(route);
    event["rawPath"] = json!(path);
    event["requestContext"]["routeKey"] = json!(route);
    event["requestContext"]["http"]["method"] = json!(method);
    event["requestContext"]["http"]["path"] = json!(path);
    let headers = event["headers"].as_object_mut().unwrap();
    headers.remove("content-length");
    match content_type {
        Some(ct) => headers.insert("content-type".into(), json!(ct)),
        None => headers.remove("content-type"),
    };
    match body {
        Some(body) => event["body"] = json!(body),
        None => {
            event.as_object_mut().unwrap().remove("body");
        }
    }
    event
}

/// A Lambda context with a fresh request id, as the runtime passes it.
pub fn context() -> Context {
    let mut context = Context::default();
    context.request_id = uuid_like();
    context.xray_trace_id = Some("Root=1-673ded70-4c2f1e0b7a9d3c5e6f708192".into());
    context
}

fn uuid_like() -> String {
    myx_emulator::unique_name("req")
}

/// The response event's status, headers and body (decoded).
pub struct HttpResponse {
    pub status: u16,
    pub headers: Value,
    pub body: String,
}

impl HttpResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

pub struct Stack {
    /// The test's own view of the emulator (not counted).
    pub harness: aws_config::SdkConfig,
    /// What the functions use; every request is in `requests`.
    pub functions: aws_config::SdkConfig,
    pub requests: RequestLog,
    /// The requests AWS itself makes for us, billed too: the scheduler's
    /// deliveries of timers (each an SQS SendMessage), the event source
    /// mapping's receives that returned messages and its deletes.
    pub platform: PlatformCounts,
    pub settings: LambdaSettings,
    pub queue: TestQueue,
    pub group: String,
    pub table: String,
    pub clock: Arc<ManualClock>,
}

#[derive(Debug, Default)]
pub struct PlatformCounts {
    pub scheduler_deliveries: AtomicUsize,
    pub esm_receives: AtomicUsize,
    pub esm_deletes: AtomicUsize,
    pub http_invocations: AtomicUsize,
    pub send_invocations: AtomicUsize,
}

impl PlatformCounts {
    pub fn get(counter: &AtomicUsize) -> usize {
        counter.load(Ordering::Relaxed)
    }
}

fn bump(counter: &AtomicUsize) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// The fixtures' app secret, plus the admin key.
pub fn fixture_secret() -> Value {
    json!({
        "unsubscribeKey": "fixture-unsubscribe-key-0123456789abcdef0123456789abcdef",
        "twilioAccountSid": "AC00000000000000000000000000000000",
        "twilioAuthToken": TWILIO_AUTH_TOKEN,
        "twilioFrom": "+15005550006",
        "zoomWebhookSecretToken": "fixture-zoom-webhook-secret-token",
        "resendWebhookSecret": "whsec_Zml4dHVyZS1yZXNlbmQtd2ViaG9vay1zZWNyZXQtMzI=",
        "adminApiKey": ADMIN_KEY,
    })
}

impl Stack {
    /// A fresh stack whose secret is `secret`; `env` adds or overrides
    /// function environment variables (e.g. `TWILIO_API_BASE`).
    pub async fn new(secret: Value, env: &[(&str, &str)]) -> Stack {
        let harness = myx_emulator::sdk_config();
        let (functions, requests) = counting(&harness);
        let table = myx_emulator::create_table(&harness).await;
        let queue = myx_emulator::create_queue_with_dlq(&harness, 5).await;
        let group = myx_emulator::create_scheduler_group(&harness).await;
        let configuration_set = myx_emulator::create_configuration_set(&harness).await;
        myx_emulator::create_email_identity(&harness, SENDER).await;
        let secret_id = myx_emulator::create_secret(&harness, &secret.to_string()).await;
        let mut vars: HashMap<String, String> = [
            ("MYX_TABLE_NAME", table.as_str()),
            ("MYX_STEPS_QUEUE_URL", queue.url.as_str()),
            ("MYX_STEPS_QUEUE_ARN", queue.arn.as_str()),
            ("MYX_STEPS_DLQ_ARN", queue.dlq_arn.as_str()),
            ("MYX_SCHEDULER_GROUP", group.as_str()),
            (
                "MYX_SCHEDULER_ROLE_ARN",
                "arn:aws:iam::123456789012:role/myx-scheduler",
            ),
            ("MYX_SES_CONFIGURATION_SET", configuration_set.as_str()),
            ("MYX_SECRET_ID", secret_id.as_str()),
            ("MYX_PUBLIC_URL", PUBLIC_URL),
            ("MYX_SENDER_ADDRESS", SENDER),
            (
                "MYX_POSTAL_ADDRESS",
                "1 Main St, Springfield, IL 62701, USA",
            ),
            ("MYX_BUSINESS_NAME", "Acme Webinars"),
            ("MYX_TENANT_ID", TENANT),
            ("MYX_STEPS_MAX_RECEIVE_COUNT", "5"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in env {
            vars.insert(k.to_string(), v.to_string());
        }
        let settings = LambdaSettings::from_lookup(|name| vars.get(name).cloned()).unwrap();
        let start: Timestamp = FIXTURE_TIME.parse().unwrap();
        Stack {
            harness,
            functions,
            requests,
            platform: PlatformCounts::default(),
            settings,
            queue,
            group,
            table,
            clock: Arc::new(ManualClock::new(start)),
        }
    }

    /// A cold start of a function on this stack (the admin function also
    /// bootstraps the default tenant, as `run_http` does).
    pub async fn cold_start(&self, function: Option<HttpFunction>) -> App {
        let app = App::new(&self.functions, self.settings.clone(), self.clock.clone())
            .await
            .unwrap_or_else(|e| panic!("cold start: {e}"));
        if function == Some(HttpFunction::Admin) {
            app.bootstrap_default_tenant().await.unwrap();
        }
        app
    }

    /// Invokes an HTTP function with an API Gateway v2 event.
    pub async fn invoke_http(
        &self,
        app: &App,
        function: HttpFunction,
        event: Value,
    ) -> HttpResponse {
        bump(&self.platform.http_invocations);
        let context = context();
        let span = lambda_runtime::layers::trace::request_span(&context);
        let response =
            myx_lambda::http::invoke(app.router(function), LambdaEvent::new(event, context))
                .instrument(span)
                .await
                .unwrap();
        let body = match response.get("body").and_then(Value::as_str) {
            None => String::new(),
            Some(body) if response["isBase64Encoded"] == json!(true) => {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .unwrap();
                String::from_utf8(bytes).unwrap()
            }
            Some(body) => body.to_string(),
        };
        HttpResponse {
            status: response["statusCode"].as_u64().unwrap() as u16,
            headers: response["headers"].clone(),
            body,
        }
    }

    /// Invokes the send function with one batch.
    pub async fn invoke_send(&self, app: &App, batch: SqsEvent) -> SqsBatchResponse {
        bump(&self.platform.send_invocations);
        let context = context();
        let span = lambda_runtime::layers::trace::request_span(&context);
        app.send_function()
            .handle(LambdaEvent::new(batch, context))
            .instrument(span)
            .await
            .unwrap()
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.harness)
    }

    pub fn scheduler(&self) -> aws_sdk_scheduler::Client {
        aws_sdk_scheduler::Client::new(&self.harness)
    }

    /// The event source mapping's receive: up to 10 messages, as the
    /// Lambda event it delivers. Polls for up to `wait_seconds` for the
    /// first. (Short polls: moto's long poll holds its single thread for
    /// the whole wait unless ten messages are ready.)
    pub async fn receive_batch(&self, wait_seconds: u64) -> SqsEvent {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait_seconds);
        let output = loop {
            let output = self
                .sqs()
                .receive_message()
                .queue_url(&self.queue.url)
                .max_number_of_messages(10)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send()
                .await
                .unwrap();
            if !output.messages().is_empty() || std::time::Instant::now() >= deadline {
                break output;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        if !output.messages().is_empty() {
            bump(&self.platform.esm_receives);
        }
        let records: Vec<Value> = output
            .messages()
            .iter()
            .map(|m| {
                let attributes: HashMap<String, String> = m
                    .attributes()
                    .map(|a| {
                        a.iter()
                            .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                json!({
                    "messageId": m.message_id(),
                    "receiptHandle": m.receipt_handle(),
                    "body": m.body(),
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body(),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue.arn,
                    "awsRegion": "us-east-1",
                })
            })
            .collect();
        serde_json::from_value(json!({ "Records": records })).unwrap()
    }

    /// The event source mapping after an invocation: deletes the messages
    /// not reported as failures.
    pub async fn delete_handled(&self, batch: &SqsEvent, response: &SqsBatchResponse) {
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        let entries: Vec<_> = batch
            .records
            .iter()
            .filter(|r| !failed.contains(&r.message_id.as_deref().unwrap_or_default()))
            .enumerate()
            .map(|(i, r)| {
                aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(r.receipt_handle.clone().unwrap())
                    .build()
                    .unwrap()
            })
            .collect();
        if entries.is_empty() {
            return;
        }
        let output = self
            .sqs()
            .delete_message_batch()
            .queue_url(&self.queue.url)
            .set_entries(Some(entries))
            .send()
            .await
            .unwrap();
        assert!(output.failed().is_empty(), "{:?}", output.failed());
        bump(&self.platform.esm_deletes);
    }

    /// Every schedule in the group: name → (due time, target input).
    pub async fn schedules(&self) -> Vec<(String, Timestamp, String)> {
        let scheduler = self.scheduler();
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = scheduler
                .list_schedules()
                .group_name(&self.group)
                .set_next_token(token)
                .send()
                .await
                .unwrap();
            for summary in page.schedules() {
                let name = summary.name().unwrap().to_string();
                let schedule = scheduler
                    .get_schedule()
                    .group_name(&self.group)
                    .name(&name)
                    .send()
                    .await
                    .unwrap();
                let expression = schedule.schedule_expression().unwrap();
                let at = expression
                    .strip_prefix("at(")
                    .and_then(|e| e.strip_suffix(')'))
                    .unwrap();
                let due: Timestamp = format!("{at}Z").parse().unwrap();
                let input = schedule.target().unwrap().input().unwrap().to_string();
                out.push((name, due, input));
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return out;
            }
        }
    }

    /// EventBridge Scheduler firing a schedule: its target input sent to
    /// the queue (a billed SQS request), then the schedule deleted
    /// (ActionAfterCompletion DELETE, done by the service itself).
    pub async fn fire(&self, name: &str, input: &str) {
        bump(&self.platform.scheduler_deliveries);
        self.sqs()
            .send_message()
            .queue_url(&self.queue.url)
            .message_body(input)
            .send()
            .await
            .unwrap();
        self.scheduler()
            .delete_schedule()
            .group_name(&self.group)
            .name(name)
            .send()
            .await
            .unwrap();
    }

    /// Messages in the queue, visible or not yet (delayed or in flight).
    pub async fn queued(&self) -> usize {
        let output = self
            .sqs()
            .get_queue_attributes()
            .queue_url(&self.queue.url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .unwrap();
        let attributes = output.attributes().cloned().unwrap_or_default();
        [
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesDelayed,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        ]
        .iter()
        .map(|name| {
            attributes
                .get(name)
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0)
        })
        .sum()
    }
}

impl Stack {
    /// A message sent to the queue by the platform (a scheduler redelivery).
    pub async fn platform_send(&self, body: &str) {
        bump(&self.platform.scheduler_deliveries);
        self.sqs()
            .send_message()
            .queue_url(&self.queue.url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
}
