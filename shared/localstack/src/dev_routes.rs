//! Routes that exist only in dev mode: the virtual clock and the outbox.

use crate::driver::{Driver, DriverError};
use crate::outbox::Outbox;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use myx_core::Duration;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Clone)]
struct DevState {
    driver: Arc<Driver>,
    outbox: Outbox,
}

pub fn router(driver: Arc<Driver>, outbox: Outbox) -> Router {
    Router::new()
        .route("/v1/dev/clock/advance", post(advance))
        .route("/v1/dev/clock", get(now))
        .route("/v1/dev/outbox", get(list_outbox))
        .route("/v1/dev/sms/inbound", post(inbound_sms))
        .route("/dev", get(page))
        .with_state(DevState { driver, outbox })
}

fn problem(status: StatusCode, detail: impl Into<String>) -> Response {
    let body = json!({"type": "about:blank", "title": status.canonical_reason(), "status": status.as_u16(), "detail": detail.into()});
    let mut r = (status, Json(body)).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/problem+json"),
    );
    r
}

async fn page(State(s): State<DevState>) -> Response {
    axum::response::Html(crate::dev_page::render(&s.driver, &s.outbox).await).into_response()
}

async fn now(State(s): State<DevState>) -> Response {
    Json(json!({"now": s.driver.now()})).into_response()
}

/// `{"by": "24h"}` or `{"to": "2026-12-10T17:00:00Z"}`.
async fn advance(State(s): State<DevState>, body: axum::body::Bytes) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "send {\"by\": \"24h\"} or {\"to\": RFC 3339}",
        );
    };
    let current = s.driver.now();
    let target = match (
        v.get("by").and_then(Value::as_str),
        v.get("to").and_then(Value::as_str),
    ) {
        (Some(by), None) => match by.parse::<Duration>() {
            Ok(d) => current.checked_add(d.as_signed()).ok(),
            Err(e) => return problem(StatusCode::BAD_REQUEST, e.to_string()),
        },
        (None, Some(to)) => match to.parse::<jiff::Timestamp>() {
            Ok(t) if t >= current => Some(t),
            Ok(_) => {
                return problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "the clock never goes backwards",
                )
            }
            Err(e) => return problem(StatusCode::BAD_REQUEST, format!("`to`: {e}")),
        },
        _ => return problem(StatusCode::BAD_REQUEST, "send exactly one of `by` and `to`"),
    };
    let Some(target) = target else {
        return problem(
            StatusCode::BAD_REQUEST,
            "that is beyond the supported date range",
        );
    };
    match s.driver.advance_to(target).await {
        Ok(processed) => {
            // "Everything due ran" includes the emails' .eml files.
            s.outbox.flush_files().await;
            Json(json!({"now": s.driver.now(), "processed": processed})).into_response()
        }
        Err(DriverError::NotVirtual) => {
            problem(StatusCode::CONFLICT, DriverError::NotVirtual.to_string())
        }
        Err(e) => problem(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

/// `{"from": "+1...", "body": "STOP"}`: the same keyword logic as Twilio's webhook.
async fn inbound_sms(State(s): State<DevState>, body: axum::body::Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                format!("the body is not valid JSON: {e}"),
            )
        }
    };
    let (Some(from), Some(text)) = (
        v.get("from").and_then(Value::as_str),
        v.get("body").and_then(Value::as_str),
    ) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "send {\"from\": E.164 number, \"body\": text}",
        );
    };
    match myx_engine::compliance::inbound_sms(
        s.driver.engine(),
        crate::stack::DEV_TENANT,
        from.trim(),
        text,
    )
    .await
    {
        Ok(outcome) => {
            let (result, reply) = match outcome {
                myx_engine::compliance::KeywordOutcome::OptedOut => ("opted_out", None),
                myx_engine::compliance::KeywordOutcome::OptedIn => ("opted_in", None),
                myx_engine::compliance::KeywordOutcome::Help(text) => ("help", Some(text)),
                myx_engine::compliance::KeywordOutcome::Reply => ("reply_recorded", None),
                myx_engine::compliance::KeywordOutcome::UnknownSender => ("unknown_sender", None),
            };
            Json(json!({"result": result, "reply": reply})).into_response()
        }
        Err(e) => problem(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.to_string(),
        ),
    }
}

async fn list_outbox(State(s): State<DevState>) -> Response {
    match s.outbox.entries().await {
        Ok(entries) => Json(json!({"messages": entries})).into_response(),
        Err(e) => problem(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}
