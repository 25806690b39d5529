//! A local stack on a real 127.0.0.1 port with a virtual clock, and a small
//! HTTP client for the API.
#![allow(dead_code)]

mod faulty_store;

pub use faulty_store::{Fault, FaultyStore, TransactFailure};
use myx_localstack::{LocalStack, StackOptions};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

pub const ADMIN_KEY: &str = "test-admin-key";

pub struct TestServer {
    pub base: String,
    pub client: Client,
    pub stack: Arc<LocalStack>,
    _server: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn start(virtual_start: &str) -> Self {
        Self::start_with(StackOptions {
            data_dir: None,
            public_url: String::new(),
            virtual_start: Some(virtual_start.parse().unwrap()),
            admin_key: ADMIN_KEY.into(),
            rate_limit_per_minute: None,
            smtp_relay: None,
        })
        .await
    }

    pub async fn start_with(mut options: StackOptions) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        if options.public_url.is_empty() {
            options.public_url = base.clone();
        }
        let stack = Arc::new(LocalStack::open(options).await.expect("stack opens"));
        let app = stack
            .router()
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            base,
            client: Client::new(),
            stack,
            _server: server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn admin_put_yaml(&self, path: &str, yaml: &str) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/yaml")
            .body(yaml.to_string())
            .send()
            .await
            .unwrap()
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn admin_get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn advance_to(&self, to: &str) -> Value {
        let r = self.post("/v1/dev/clock/advance", json!({"to": to})).await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    pub async fn outbox(&self) -> Vec<Value> {
        let r = self
            .client
            .get(self.url("/v1/dev/outbox"))
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        v["messages"].as_array().cloned().unwrap_or_default()
    }

    /// Stores the example webinar funnel and creates an event for it.
    pub async fn webinar_event(&self, start: &str, end: &str) -> String {
        let yaml = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/funnels/webinar.yaml"
        ))
        .unwrap();
        let r = self.admin_put_yaml("/v1/funnels/webinar-7day", &yaml).await;
        assert!(r.status().is_success(), "{:?}", r.text().await);
        let r = self
            .admin_post(
                "/v1/events",
                json!({
                    "title": "Launch Webinar", "type": "webinar", "startsAt": start, "endsAt": end,
                    "timezone": "America/New_York", "platform": "other",
                    "joinUrl": "https://meet.example.com/launch", "funnelId": "webinar-7day"
                }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        v["id"].as_str().unwrap().to_string()
    }

    /// Sets the event's recording link (the post-event messages carry it).
    pub async fn set_replay_url(&self, event: &str) {
        let r = self
            .client
            .patch(self.url(&format!("/v1/events/{event}")))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"replayUrl": "https://example.com/replay"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }

    pub async fn enroll(&self, event: &str, email: &str, phone: Option<&str>) -> Value {
        let mut body =
            json!({"email": email, "firstName": "Ada", "lastName": "Lovelace", "eventId": event});
        if let Some(p) = phone {
            body["phone"] = json!(p);
            body["smsConsent"] = json!(true);
        }
        let r = self.post("/v1/enrollments", body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
        r.json().await.unwrap()
    }
}

/// (step, channel, sentAt) of every outbox message to `to`, in send order.
pub fn sends_to(outbox: &[Value], to: &str) -> Vec<(String, String, String)> {
    outbox
        .iter()
        .filter(|m| m["to"] == to)
        .map(|m| {
            (
                m["step"].as_str().unwrap_or("").to_string(),
                m["channel"].as_str().unwrap_or("").to_string(),
                m["sentAt"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The welcome email of a newly enrolled contact, as the queue carries it
/// (queued 2 s after the enrollment; a test may run it by hand first).
pub fn welcome_email(event: &str, contact: &str) -> myx_engine::WorkMessage {
    myx_engine::WorkMessage::ContactStep {
        tenant: "dev".into(),
        event: event.into(),
        contact: contact.into(),
        step: "welcome".into(),
        channel: myx_core::Channel::Email,
        schedule_version: 1,
    }
}

/// The stack's engine, its store wrapped to inject `fault`.
pub fn engine_with_fault<F: Fault>(s: &TestServer, fault: F) -> myx_engine::Engine {
    let mut engine = s.stack.engine.clone();
    engine.store = Arc::new(FaultyStore {
        inner: s.stack.engine.store.clone(),
        fault,
    });
    engine
}
