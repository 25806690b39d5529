//! Provider webhooks: `POST /v1/webhooks/twilio/status`,
//! `/v1/webhooks/twilio/inbound`, `/v1/webhooks/resend`,
//! `/v1/webhooks/zoom` and `/v1/webhooks/ses` (SES events through SNS).
//! Each verifies the provider's signature before anything changes and
//! answers garbage with a 4xx: wrong content type 415, over 64 KiB (SNS:
//! 512 KiB) 413, malformed body 400, unknown event type 422, missing /
//! wrong signature 401 / 403.

pub mod resend;
pub mod ses;
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

/// 503 for a provider whose webhook secret (`setting`) this server lacks.
fn not_configured(provider: &str, setting: &str) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("{provider} webhooks are not configured ({setting})"),
    )
}

/// A refused signature: 401 when the signature headers are missing, 403
/// when they are wrong (forged, expired, replayed with another body).
fn signature_refused(provider: &str, missing: bool, error: impl std::fmt::Display) -> Problem {
    tracing::warn!(provider, error = %error, "webhook signature refused");
    let status = if missing {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::FORBIDDEN
    };
    Problem::new(status, error.to_string())
}

/// The body's media type must be `expected` (parameters such as charset allowed).
fn require_content_type(parts: &Parts, expected: &str) -> Result<(), Problem> {
    require_content_types(parts, &[expected])
}

/// The body's media type must be one of `allowed` (parameters allowed).
fn require_content_types(parts: &Parts, allowed: &[&str]) -> Result<(), Problem> {
    let ok = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| allowed.iter().any(|a| media.trim().eq_ignore_ascii_case(a)));
    if ok {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("send the body as {}", allowed.join(" or ")),
        ))
    }
}
