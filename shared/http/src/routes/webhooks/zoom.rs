//! Zoom: JSON events signed with `x-zm-signature` / `x-zm-request-timestamp`
//! (the app's secret token), including the URL validation Zoom sends when
//! the endpoint is saved and every 72 hours. Nothing is answered, not even
//! the validation, before the signature verifies.

use super::{not_configured, require_content_type, settings, signature_refused};
use crate::problem::Problem;
use crate::routes::{read_body, ApiState};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use myx_engine::webhooks;
use myx_providers::zoom::signature::{self, ZoomSignatureHeaders};
use myx_providers::zoom::webhook::{self as events, ZoomWebhook, ZoomWebhookError};
use serde_json::json;

/// `POST /v1/webhooks/zoom`
pub async fn event(State(state): State<ApiState>, request: Request) -> Result<Response, Problem> {
    let (parts, body) = request.into_parts();
    require_content_type(&parts, "application/json")?;
    let bytes = read_body(body).await?;
    let secret = settings(&state)?
        .zoom_secret
        .as_ref()
        .ok_or_else(|| not_configured("Zoom", "ZOOM_WEBHOOK_SECRET_TOKEN"))?;
    let header_value = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let headers = ZoomSignatureHeaders {
        timestamp: header_value(signature::TIMESTAMP_HEADER),
        signature: header_value(signature::SIGNATURE_HEADER),
    };
    secret
        .verify(&headers, &bytes, state.engine.clock.as_ref())
        .map_err(|e| signature_refused("zoom", e.is_missing(), e))?;
    let parsed = events::parse(&bytes).map_err(|e| {
        let status = match e {
            ZoomWebhookError::UnknownType(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ZoomWebhookError::Malformed(_) => StatusCode::BAD_REQUEST,
        };
        Problem::new(status, e.to_string())
    })?;
    let result = match parsed {
        ZoomWebhook::UrlValidation { plain_token } => {
            return Ok(Json(events::url_validation_answer(secret, &plain_token)).into_response())
        }
        ZoomWebhook::ParticipantJoined(joined) => {
            webhooks::zoom_participant_joined(&state.engine, &joined)
                .await?
                .as_str()
        }
        ZoomWebhook::Ended(ended) => webhooks::zoom_session_ended(&state.engine, &ended)
            .await?
            .as_str(),
        ZoomWebhook::Ignored(_) => "ignored",
    };
    Ok(Json(json!({"result": result})).into_response())
}
