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
            Json(json!({"now": s.driver.now(), "processed": processed})).into_response()
        }
        Err(DriverError::NotVirtual) => {
            problem(StatusCode::CONFLICT, DriverError::NotVirtual.to_string())
        }
        Err(e) => problem(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

async fn list_outbox(State(s): State<DevState>) -> Response {
    match s.outbox.entries().await {
        Ok(entries) => Json(json!({"messages": entries})).into_response(),
        Err(e) => problem(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}
