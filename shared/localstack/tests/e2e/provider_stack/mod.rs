//! A local stack on a real 127.0.0.1 port with a virtual clock and provider
//! settings (Twilio, Resend, Zoom, SES events), stubbed provider APIs
//! (wiremock), and clients that sign webhook requests the way the providers
//! do (SNS: [`sns`]).
#![allow(dead_code)]

pub mod sns;

use myx_engine::{Item, Key};
use myx_localstack::{ExtraAdapters, LocalStack, ProviderSettings, StackOptions};
use myx_providers::svix::SvixSecret;
use myx_providers::twilio::signature::{compute, Algorithm};
use myx_providers::zoom::ZoomWebhookSecret;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use wiremock::{Request, Respond, ResponseTemplate};

pub const ADMIN_KEY: &str = "test-admin-key";
pub const TWILIO_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TWILIO_TOKEN: &str = "9d6a2c4f0b8e1a7d3c5f6e2b4a8d0c1f";
pub const RESEND_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const ZOOM_SECRET: &str = "q8vT2xR5nL0wYb7KcE3mPj";
pub const ZOOM_MEETING: &str = "85746065123";
pub const START: &str = "2026-12-10T17:00:00Z";
pub const END: &str = "2026-12-10T18:00:00Z";

pub struct ProviderServer {
    pub base: String,
    pub client: Client,
    pub stack: Arc<LocalStack>,
    _server: tokio::task::JoinHandle<()>,
}

impl ProviderServer {
    /// `providers` gets the server's base URL (the public URL).
    pub async fn start(
        virtual_start: &str,
        providers: impl FnOnce(&str) -> ProviderSettings,
    ) -> Self {
        Self::start_with(virtual_start, providers, ExtraAdapters::default()).await
    }

    /// As [`Self::start`], with providers and adapters given in code.
    pub async fn start_with(
        virtual_start: &str,
        providers: impl FnOnce(&str) -> ProviderSettings,
        extra: ExtraAdapters,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let options = StackOptions {
            data_dir: None,
            public_url: base.clone(),
            virtual_start: Some(virtual_start.parse().unwrap()),
            admin_key: ADMIN_KEY.into(),
            rate_limit_per_minute: None,
            smtp_relay: None,
        };
        let stack = Arc::new(
            LocalStack::open_with_adapters(options, providers(&base), extra)
                .await
                .expect("stack opens"),
        );
        let app = stack
            .router()
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        ProviderServer {
            base,
            client: Client::new(),
            stack,
            _server: server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn advance_to(&self, to: &str) {
        let r = self.post("/v1/dev/clock/advance", json!({"to": to})).await;
        assert_eq!(r.status(), StatusCode::OK);
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

    /// The example webinar funnel and an event for it (START..END).
    pub async fn webinar_event(&self) -> String {
        self.webinar_event_edited(|yaml| yaml).await
    }

    /// As [`Self::webinar_event`], with the funnel's YAML edited first.
    pub async fn webinar_event_edited(&self, edit: impl FnOnce(String) -> String) -> String {
        let yaml = edit(
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../examples/funnels/webinar.yaml"
            ))
            .unwrap(),
        );
        let r = self
            .client
            .put(self.url("/v1/funnels/webinar-7day"))
            .bearer_auth(ADMIN_KEY)
            .header("content-type", "application/yaml")
            .body(yaml)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{:?}", r.text().await);
        let r = self
            .client
            .post(self.url("/v1/events"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({
                "title": "Launch Webinar", "type": "webinar", "startsAt": START, "endsAt": END,
                "timezone": "America/New_York", "platform": "other",
                "joinUrl": "https://meet.example.com/launch", "funnelId": "webinar-7day"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        v["id"].as_str().unwrap().to_string()
    }

    /// Enrolls; returns the contact id.
    pub async fn enroll(&self, event: &str, email: &str, phone: Option<&str>) -> String {
        let mut body =
            json!({"email": email, "firstName": "Ada", "lastName": "Lovelace", "eventId": event});
        if let Some(p) = phone {
            body["phone"] = json!(p);
            body["smsConsent"] = json!(true);
        }
        let r = self.post("/v1/enrollments", body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
        let v: Value = r.json().await.unwrap();
        v["contactId"].as_str().unwrap().to_string()
    }

    /// A form post to `path`, signed as Twilio signs it with `token`
    /// (`None`: no signature header).
    pub async fn post_twilio(
        &self,
        path: &str,
        params: &[(&str, &str)],
        token: Option<&str>,
    ) -> Response {
        let owned: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut request = self.client.post(self.url(path)).form(&owned);
        if let Some(token) = token {
            let signature = compute(token, &self.url(path), &owned, Algorithm::Sha1);
            request = request.header("X-Twilio-Signature", signature);
        }
        request.send().await.unwrap()
    }

    /// A JSON event posted as Resend (Svix) posts it, signed at the
    /// stack's current (virtual) time.
    pub async fn post_resend(&self, svix_id: &str, body: &Value, secret: &str) -> Response {
        let bytes = serde_json::to_vec(body).unwrap();
        let now = self.stack.engine.clock.now().as_second();
        let signature = SvixSecret::new(secret).unwrap().sign(svix_id, now, &bytes);
        self.client
            .post(self.url("/v1/webhooks/resend"))
            .header("content-type", "application/json")
            .header("svix-id", svix_id)
            .header("svix-timestamp", now.to_string())
            .header("svix-signature", signature)
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    /// The example webinar funnel and a Zoom event for it (START..END);
    /// `meeting_id` is sent as given (a JSON number or string).
    pub async fn zoom_event(&self, platform: &str, meeting_id: Value) -> String {
        self.webinar_event().await;
        let r = self
            .client
            .post(self.url("/v1/events"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({
                "title": "Zoom Launch", "type": "webinar", "startsAt": START, "endsAt": END,
                "timezone": "America/New_York", "platform": platform,
                "zoomMeetingId": meeting_id, "funnelId": "webinar-7day"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
        let v: Value = r.json().await.unwrap();
        v["id"].as_str().unwrap().to_string()
    }

    /// A JSON body posted as Zoom posts it, signed with `secret` at the
    /// stack's current (virtual) time.
    pub async fn post_zoom(&self, body: &Value, secret: &str) -> Response {
        let bytes = serde_json::to_vec(body).unwrap();
        let now = self.stack.engine.clock.now().as_second();
        self.post_zoom_raw(&bytes, now, secret).await
    }

    /// Raw bytes signed with `secret` for the timestamp `at` (Unix seconds).
    pub async fn post_zoom_raw(&self, bytes: &[u8], at: i64, secret: &str) -> Response {
        let signature = ZoomWebhookSecret::new(secret).unwrap().sign(at, bytes);
        self.client
            .post(self.url("/v1/webhooks/zoom"))
            .header("content-type", "application/json")
            .header("x-zm-request-timestamp", at.to_string())
            .header("x-zm-signature", signature)
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap()
    }

    pub async fn item(&self, key: &Key) -> Option<Item> {
        self.stack.engine.store.get(key).await.unwrap()
    }
}

/// Answers every request with a fresh id: Twilio's `{"sid": "SM..."}` or
/// Resend's `{"id": "re_..."}`, numbered in arrival order from 0.
pub struct NumberedIds {
    next: AtomicUsize,
    twilio: bool,
}

impl NumberedIds {
    pub fn twilio() -> Self {
        NumberedIds {
            next: AtomicUsize::new(0),
            twilio: true,
        }
    }

    pub fn resend() -> Self {
        NumberedIds {
            next: AtomicUsize::new(0),
            twilio: false,
        }
    }
}

pub fn twilio_sid(n: usize) -> String {
    format!("SM{n:032}")
}

pub fn resend_id(n: usize) -> String {
    format!("re_{n:04}")
}

impl Respond for NumberedIds {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        if self.twilio {
            ResponseTemplate::new(201)
                .set_body_json(json!({"sid": twilio_sid(n), "status": "queued"}))
        } else {
            ResponseTemplate::new(200).set_body_json(json!({"id": resend_id(n)}))
        }
    }
}

/// Zoom's token endpoint and registrants API on a stub: registrants are
/// numbered in arrival order from 0 ([`zoom_registrant_id`],
/// [`zoom_join_url`]); removals answer 204.
pub async fn zoom_stub() -> wiremock::MockServer {
    use wiremock::matchers::{method, path, path_regex};
    use wiremock::{Mock, MockServer};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "zoom-token", "token_type": "bearer", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v2/(meetings|webinars)/[0-9]+/registrants$"))
        .respond_with(NumberedRegistrants::default())
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex(
            r"^/v2/(meetings|webinars)/[0-9]+/registrants/[^/]+$",
        ))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

/// Zoom settings pointing at a [`zoom_stub`], with the webhook secret.
pub fn zoom_settings(stub: &str) -> ProviderSettings {
    ProviderSettings {
        zoom: Some(myx_providers::ZoomConfig::new("acct", "client", "secret").with_stub(stub)),
        zoom_webhook_secret: ZoomWebhookSecret::new(ZOOM_SECRET),
        ..ProviderSettings::default()
    }
}

pub fn zoom_registrant_id(n: usize) -> String {
    format!("zreg{n:04}")
}

pub fn zoom_join_url(n: usize) -> String {
    format!("https://us02web.zoom.us/w/{ZOOM_MEETING}?tk=personal-{n}")
}

#[derive(Default)]
pub struct NumberedRegistrants {
    next: AtomicUsize,
}

impl Respond for NumberedRegistrants {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(201).set_body_json(json!({
            "id": 85746065123u64, "registrant_id": zoom_registrant_id(n),
            "topic": "Zoom Launch", "start_time": START, "join_url": zoom_join_url(n)
        }))
    }
}

/// The requests a stub got with this method whose path starts with `prefix`.
pub async fn requests_to(
    server: &wiremock::MockServer,
    method: &str,
    prefix: &str,
) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == method && r.url.path().starts_with(prefix))
        .collect()
}

/// The decoded form of a stubbed request.
pub fn form_of(request: &Request) -> Vec<(String, String)> {
    myx_providers::twilio::webhook::parse_form(&request.body).unwrap()
}

pub fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
