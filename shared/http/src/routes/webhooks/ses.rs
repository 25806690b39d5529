//! SES events through SNS: `POST /v1/webhooks/ses`, the HTTPS subscription
//! of the topic the SES configuration set publishes to. SNS posts JSON as
//! `text/plain; charset=UTF-8` (application/json is accepted too). Every
//! message is verified (signature, certificate URL, allowed topic, age)
//! before anything happens; then a SubscriptionConfirmation is confirmed,
//! an UnsubscribeConfirmation acknowledged, and a Notification's SES event
//! applied to the message once per SNS MessageId.

use super::{not_configured, require_content_types, settings};
use crate::problem::Problem;
use crate::routes::{read_body_up_to, ApiState};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use myx_engine::webhooks;
use myx_providers::ses_events::{self, SesEvent, SesEventError};
use myx_providers::sns::{MessageType, SnsError, MESSAGE_TYPE_HEADER};
use serde_json::json;

/// SNS messages reach 256 KiB, and the JSON envelope escapes the SES event
/// inside it: room for the largest, refusing anything bigger with 413.
pub const SNS_MAX_BODY_BYTES: usize = 512 * 1024;

fn sns_problem(e: SnsError) -> Problem {
    let status = match &e {
        SnsError::Malformed(_) => StatusCode::BAD_REQUEST,
        SnsError::UnknownType(_) | SnsError::ConfirmationRefused(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        SnsError::Unsigned => StatusCode::UNAUTHORIZED,
        SnsError::UnsupportedSignatureVersion(_)
        | SnsError::TopicNotAllowed
        | SnsError::CertUrl(_)
        | SnsError::SubscribeUrl(_)
        | SnsError::Certificate(_)
        | SnsError::BadSignature
        | SnsError::TooOld => StatusCode::FORBIDDEN,
        SnsError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    if status.is_client_error() {
        tracing::warn!(error = %e, "SNS message refused");
    } else {
        tracing::error!(error = %e, "SNS message not processed; SNS will retry");
    }
    Problem::new(status, e.to_string())
}

/// `POST /v1/webhooks/ses`
pub async fn event(State(state): State<ApiState>, request: Request) -> Result<Response, Problem> {
    let (parts, body) = request.into_parts();
    require_content_types(&parts, &["text/plain", "application/json"])?;
    let bytes = read_body_up_to(body, SNS_MAX_BODY_BYTES).await?;
    let verifier = settings(&state)?
        .ses
        .as_deref()
        .ok_or_else(|| not_configured("SES", "SES_EVENTS_TOPIC_ARN"))?;
    let message = verifier
        .verify(&bytes, state.engine.clock.now())
        .await
        .map_err(sns_problem)?;
    let header = parts
        .headers
        .get(MESSAGE_TYPE_HEADER)
        .map(|v| v.to_str().unwrap_or(""));
    if header.is_some_and(|h| h != message.kind.as_str()) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("{MESSAGE_TYPE_HEADER} does not match the message's Type"),
        ));
    }
    let result = match message.kind {
        MessageType::SubscriptionConfirmation => {
            verifier.confirm(&message).await.map_err(sns_problem)?;
            "subscribed"
        }
        MessageType::UnsubscribeConfirmation => {
            // Someone unsubscribed this endpoint; SES events stop until the
            // subscription is made again (the template's, or by hand).
            tracing::warn!(topic = %message.topic_arn, "SNS unsubscribed this endpoint from the SES events topic");
            "ignored"
        }
        MessageType::Notification => {
            let parsed = ses_events::parse(&message.message_id, &message.message).map_err(|e| {
                let status = match e {
                    SesEventError::UnknownType(_) => StatusCode::UNPROCESSABLE_ENTITY,
                    SesEventError::Malformed(_) => StatusCode::BAD_REQUEST,
                };
                tracing::warn!(error = %e, "SES event refused");
                Problem::new(status, e.to_string())
            })?;
            match parsed {
                SesEvent::Ignored(_) => "ignored",
                SesEvent::Email(event) => {
                    webhooks::email_event(&state.engine, ses_events::PROVIDER, &event)
                        .await?
                        .as_str()
                }
            }
        }
    };
    Ok(Json(json!({"result": result})).into_response())
}
