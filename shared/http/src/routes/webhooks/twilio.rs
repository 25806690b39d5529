//! Twilio: status callbacks and inbound SMS, as form posts signed with
//! `X-Twilio-Signature` over `{public_url}{path and query}`.

use super::{not_configured, require_content_type, settings};
use crate::problem::Problem;
use crate::routes::{read_body, ApiState};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use myx_engine::webhooks;
use myx_providers::twilio::client::SEND_REF_PARAM;
use myx_providers::twilio::signature::{self, SignatureError};
use myx_providers::twilio::webhook::{self as form, WebhookError};
use serde_json::json;

impl From<WebhookError> for Problem {
    fn from(e: WebhookError) -> Self {
        let status = match e {
            WebhookError::Unknown { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            WebhookError::Malformed(_) | WebhookError::Missing(_) => StatusCode::BAD_REQUEST,
        };
        Problem::new(status, e.to_string())
    }
}

/// Reads and parses the form, then checks its signature; nothing has
/// changed when this fails.
async fn verified_form(
    state: &ApiState,
    request: Request,
) -> Result<(Parts, Vec<(String, String)>), Problem> {
    let (parts, body) = request.into_parts();
    require_content_type(&parts, "application/x-www-form-urlencoded")?;
    let bytes = read_body(body).await?;
    let params = form::parse_form(&bytes)?;
    let token = settings(state)?
        .twilio_auth_token
        .as_deref()
        .ok_or_else(|| not_configured("Twilio", "TWILIO_AUTH_TOKEN"))?;
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let url = format!("{}{path}", state.engine.config.public_url);
    let header_value = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    signature::verify(
        token,
        &url,
        &params,
        header_value(signature::SIGNATURE_HEADER),
        header_value(signature::SETTINGS_HEADER),
    )
    .map_err(|e| {
        tracing::warn!(path, error = %e, "twilio webhook refused");
        let detail = match e {
            SignatureError::Missing => "the X-Twilio-Signature header is missing",
            SignatureError::UnsupportedAlgorithm => "the signature algorithm is not supported",
            SignatureError::Mismatch => "the X-Twilio-Signature does not match",
        };
        Problem::new(StatusCode::FORBIDDEN, detail)
    })?;
    Ok((parts, params))
}

/// A non-empty parameter of the (signed) URL's query.
fn query_param(parts: &Parts, name: &str) -> Option<String> {
    parts
        .uri
        .query()
        .and_then(|q| form::parse_form(q.as_bytes()).ok())
        .and_then(|q| form::param(&q, name).map(str::to_string))
        .filter(|v| !v.is_empty())
}

/// `POST /v1/webhooks/twilio/status`
pub async fn status(State(state): State<ApiState>, request: Request) -> Result<Response, Problem> {
    let (parts, params) = verified_form(&state, request).await?;
    let mut update = form::status_update(&params)?;
    update.send_ref = query_param(&parts, SEND_REF_PARAM);
    let outcome = webhooks::twilio_status(&state.engine, &update).await?;
    Ok(Json(json!({"result": outcome.as_str()})).into_response())
}

/// `POST /v1/webhooks/twilio/inbound`: answers TwiML (the help text for HELP).
pub async fn inbound(State(state): State<ApiState>, request: Request) -> Result<Response, Problem> {
    let (parts, params) = verified_form(&state, request).await?;
    let sms = form::inbound(&params)?;
    let from_url = query_param(&parts, "tenant");
    let tenant = from_url
        .or_else(|| settings(&state).ok().and_then(|s| s.sms_tenant.clone()))
        .ok_or_else(|| {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "no tenant is configured for inbound SMS",
            )
        })?;
    let outcome = webhooks::twilio_inbound(
        &state.engine,
        &tenant,
        &sms.message_sid,
        sms.from.trim(),
        &sms.body,
    )
    .await?;
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        form::twiml(outcome.reply()),
    )
        .into_response())
}
