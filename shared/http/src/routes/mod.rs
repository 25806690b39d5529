//! The route table and the plumbing every route shares.

mod enrollments;
mod events;
mod funnels;
mod lifecycle;
mod public;
mod webhooks;

use crate::problem::Problem;
use crate::rate_limit::RateLimit;
use crate::webhook_settings::WebhookSettings;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use myx_engine::Engine;
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// Request bodies above this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct ApiState {
    pub engine: Engine,
    /// Public routes' per-address limit; `None` disables it (benchmarks).
    pub rate_limit: Option<RateLimit>,
    /// Provider webhook secrets; `None`: the webhook routes answer 503.
    pub webhooks: Option<Arc<WebhookSettings>>,
}

impl ApiState {
    /// No rate limit, no webhook secrets.
    pub fn new(engine: Engine) -> Self {
        ApiState {
            engine,
            rate_limit: None,
            webhooks: None,
        }
    }

    pub fn with_rate_limit(mut self, rate_limit: Option<RateLimit>) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    pub fn with_webhooks(mut self, webhooks: WebhookSettings) -> Self {
        self.webhooks = Some(Arc::new(webhooks));
        self
    }
}

/// Every route: what `myx dev` serves.
pub fn router(state: ApiState) -> Router {
    public_routes()
        .merge(admin_routes())
        .merge(webhook_routes())
        .fallback(not_found)
        .with_state(state)
}

/// The provider webhooks (the `webhooks` function): each request is
/// verified with the provider's signature instead of an API key.
pub fn webhooks_router(state: ApiState) -> Router {
    webhook_routes().fallback(not_found).with_state(state)
}

/// The public routes (the `enroll` function): forms, calendars and
/// unsubscribe links. No API key; enrollment is rate limited.
pub fn public_router(state: ApiState) -> Router {
    public_routes().fallback(not_found).with_state(state)
}

/// The operator routes (the `admin` function), each behind an API key.
pub fn admin_router(state: ApiState) -> Router {
    admin_routes().fallback(not_found).with_state(state)
}

fn public_routes() -> Router<ApiState> {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/enrollments", post(enrollments::create))
        .route("/v1/events/{id}/calendar.ics", get(public::calendar_ics))
        .route(
            "/v1/unsubscribe",
            get(public::unsubscribe_page).post(public::unsubscribe),
        )
}

fn webhook_routes() -> Router<ApiState> {
    Router::new()
        .route("/v1/webhooks/twilio/status", post(webhooks::twilio::status))
        .route(
            "/v1/webhooks/twilio/inbound",
            post(webhooks::twilio::inbound),
        )
        .route("/v1/webhooks/resend", post(webhooks::resend::event))
        .route("/v1/webhooks/zoom", post(webhooks::zoom::event))
        .route("/v1/webhooks/ses", post(webhooks::ses::event))
}

fn admin_routes() -> Router<ApiState> {
    Router::new()
        .route("/v1/enrollments/{id}/timeline", get(enrollments::timeline))
        .route("/v1/funnels/{id}", put(funnels::put))
        .route("/v1/events", post(events::create).get(events::list))
        .route(
            "/v1/events/{id}",
            get(events::get).patch(lifecycle::reschedule),
        )
        .route("/v1/events/{id}/attendance", post(lifecycle::attendance))
        .route("/v1/events/{id}/complete", post(lifecycle::complete))
        .route("/v1/events/{id}/cancel", post(lifecycle::cancel))
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no such route")
}

/// The client's address as the server saw it (not from spoofable headers).
fn client_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Reads the body, refusing anything over [`MAX_BODY_BYTES`] with 413.
async fn read_body(body: Body) -> Result<Bytes, Problem> {
    read_body_up_to(body, MAX_BODY_BYTES).await
}

/// Reads the body, refusing anything over `limit` bytes with 413.
async fn read_body_up_to(body: Body, limit: usize) -> Result<Bytes, Problem> {
    to_bytes(body, limit).await.map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {limit} bytes"),
        )
    })
}

/// Parses a JSON object body, or a 400/415 problem.
fn json_body(parts: &Parts, bytes: &Bytes) -> Result<Value, Problem> {
    if let Some(ct) = parts.headers.get(axum::http::header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("");
        if !ct.starts_with("application/json") && !ct.contains("+json") {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as application/json",
            ));
        }
    }
    serde_json::from_slice::<Value>(bytes).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not valid JSON: {e}"),
        )
    })
}
