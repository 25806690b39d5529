//! Provider webhooks: `POST /v1/webhooks/twilio/status`,
//! `/v1/webhooks/twilio/inbound`, `/v1/webhooks/resend` and
//! `/v1/webhooks/zoom`. Each verifies the
//! provider's signature before anything changes and answers garbage with a
//! 4xx: wrong content type 415, over 64 KiB 413, malformed body 400,
//! unknown event type 422, missing / wrong signature 401 / 403.
//! `/v1/webhooks/ses` answers 501 until it exists.

pub mod resend;
pub mod twilio;
pub mod zoom;

use super::ApiState;
use crate::problem::Problem;
use crate::webhook_settings::WebhookSettings;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};

/// The webhook settings, or 503: the deployment has not configured them.
fn settings(state: &ApiState) -> Result<&WebhookSettings, Problem> {
    state.webhooks.as_deref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "provider webhooks are not configured on this server",
        )
    })
}

/// The body's media type must be `expected` (parameters such as charset allowed).
fn require_content_type(parts: &Parts, expected: &str) -> Result<(), Problem> {
    let ok = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case(expected));
    if ok {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("send the body as {expected}"),
        ))
    }
}

pub async fn not_implemented() -> Problem {
    Problem::new(
        StatusCode::NOT_IMPLEMENTED,
        "this provider's webhook is not implemented yet",
    )
}
