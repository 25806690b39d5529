//! Resend: email events as JSON, signed with Svix headers.

use super::{not_configured, require_content_type, settings, signature_refused};
use crate::problem::Problem;
use crate::routes::{read_body, ApiState};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use myx_engine::webhooks;
use myx_providers::resend::webhook::{self as events, ResendEvent, ResendWebhookError};
use myx_providers::svix::{self, SvixHeaders};
use serde_json::json;

/// `POST /v1/webhooks/resend`
pub async fn event(State(state): State<ApiState>, request: Request) -> Result<Response, Problem> {
    let (parts, body) = request.into_parts();
    require_content_type(&parts, "application/json")?;
    let bytes = read_body(body).await?;
    let secret = settings(&state)?
        .resend_secret
        .as_ref()
        .ok_or_else(|| not_configured("Resend", "RESEND_WEBHOOK_SECRET"))?;
    let header_value = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let headers = SvixHeaders {
        id: header_value(svix::ID_HEADER),
        timestamp: header_value(svix::TIMESTAMP_HEADER),
        signature: header_value(svix::SIGNATURE_HEADER),
    };
    secret
        .verify(&headers, &bytes, state.engine.clock.as_ref())
        .map_err(|e| signature_refused("resend", e.is_missing(), e))?;
    let event_id = headers.id.unwrap_or_default().trim();
    let parsed = events::parse(event_id, &bytes).map_err(|e| {
        let status = match e {
            ResendWebhookError::UnknownType(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ResendWebhookError::Malformed(_) => StatusCode::BAD_REQUEST,
        };
        Problem::new(status, e.to_string())
    })?;
    let result = match parsed {
        ResendEvent::Ignored(_) => "ignored",
        ResendEvent::Email(event) => webhooks::resend_event(&state.engine, &event)
            .await?
            .as_str(),
    };
    Ok(Json(json!({"result": result})).into_response())
}
