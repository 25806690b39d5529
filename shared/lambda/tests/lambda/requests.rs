//! Counts the AWS requests an SDK config makes, at the HTTP connector: every
//! attempt that reaches the wire (retries included), named by service and
//! operation, with the sizes DynamoDB bills by.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One request as sent.
#[derive(Debug, Clone)]
pub struct Call {
    /// The signing name: `dynamodb`, `sqs`, `scheduler`, `ses`, `secretsmanager`.
    pub service: String,
    /// `PutItem`, `SendMessageBatch`, `CreateSchedule`, `SendEmail`, ...
    pub operation: String,
    /// The request body (JSON for every service used here).
    pub body: Option<Value>,
    /// The response's Content-Length.
    pub response_bytes: u64,
    /// When the request left and its response arrived (for the cost
    /// test's model of which requests wait on which).
    pub started: Instant,
    pub ended: Instant,
}

#[derive(Debug, Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<Call>>>);

impl RequestLog {
    pub fn calls(&self) -> Vec<Call> {
        self.0.lock().unwrap().clone()
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn push(&self, call: Call) {
        self.0.lock().unwrap().push(call);
    }
}

/// `service.Operation` → count.
pub fn tally(calls: &[Call]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for call in calls {
        *counts
            .entry(format!("{}.{}", call.service, call.operation))
            .or_insert(0) += 1;
    }
    counts
}

/// `config` with an HTTP client that records every request into the log.
pub fn counting(config: &aws_config::SdkConfig) -> (aws_config::SdkConfig, RequestLog) {
    let log = RequestLog::default();
    let inner = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build_https();
    let client = CountingClient {
        inner,
        log: log.clone(),
    };
    let config = config
        .clone()
        .into_builder()
        .http_client(SharedHttpClient::new(client))
        .build();
    (config, log)
}

#[derive(Debug)]
struct CountingClient {
    inner: SharedHttpClient,
    log: RequestLog,
}

impl HttpClient for CountingClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(CountingConnector {
            inner: self.inner.http_connector(settings, components),
            log: self.log.clone(),
        })
    }
}

#[derive(Debug)]
struct CountingConnector {
    inner: SharedHttpConnector,
    log: RequestLog,
}

impl HttpConnector for CountingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let header = |name: &str| request.headers().get(name).map(str::to_string);
        let service = header("authorization")
            .and_then(|auth| signing_service(&auth))
            .unwrap_or_else(|| "unknown".into());
        let operation = match header("x-amz-target") {
            // `DynamoDB_20120810.PutItem`, `AmazonSQS.SendMessage`, ...
            Some(target) => target.rsplit('.').next().unwrap_or_default().to_string(),
            None => rest_operation(&service, request.method(), request.uri()),
        };
        let body = request
            .body()
            .bytes()
            .and_then(|bytes| serde_json::from_slice(bytes).ok());
        let future = self.inner.call(request);
        let log = self.log.clone();
        let started = Instant::now();
        HttpConnectorFuture::new(async move {
            let response = future.await?;
            let ended = Instant::now();
            let response_bytes = response
                .headers()
                .get("content-length")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            log.push(Call {
                service,
                operation,
                body,
                response_bytes,
                started,
                ended,
            });
            Ok(response)
        })
    }
}

/// `Credential=AKID/20261201/us-east-1/dynamodb/aws4_request` → `dynamodb`.
fn signing_service(authorization: &str) -> Option<String> {
    let credential = authorization.split("Credential=").nth(1)?;
    credential.split('/').nth(3).map(str::to_string)
}

/// The REST-JSON services (Scheduler, SES v2) name operations by route.
fn rest_operation(service: &str, method: &str, uri: &str) -> String {
    let path = uri.split('?').next().unwrap_or_default();
    let path = path.find("://").map_or(path, |i| {
        let rest = &path[i + 3..];
        rest.find('/').map_or("/", |j| &rest[j..])
    });
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let name = match (service, method, segments.as_slice()) {
        ("scheduler", "POST", ["schedules", _]) => "CreateSchedule",
        ("scheduler", "PUT", ["schedules", _]) => "UpdateSchedule",
        ("scheduler", "DELETE", ["schedules", _]) => "DeleteSchedule",
        ("scheduler", "GET", ["schedules", _]) => "GetSchedule",
        ("scheduler", "GET", ["schedules"]) => "ListSchedules",
        ("ses", "POST", ["v2", "email", "outbound-emails"]) => "SendEmail",
        _ => return format!("{method} {path}"),
    };
    name.to_string()
}
