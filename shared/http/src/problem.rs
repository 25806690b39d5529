//! Errors as RFC 7807 `application/problem+json`, with per-field details.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use myx_engine::EngineError;
use serde_json::json;

/// An error response. Conflicts carry the existing resource as their body.
pub struct Problem {
    status: StatusCode,
    body: serde_json::Value,
    retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        let title = status.canonical_reason().unwrap_or("Error");
        Problem {
            status,
            body: json!({
                "type": "about:blank",
                "title": title,
                "status": status.as_u16(),
                "detail": detail.into(),
            }),
            retry_after: None,
        }
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut p = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many requests from this address; retry in {retry_after_secs} s"),
        );
        p.retry_after = Some(retry_after_secs);
        p
    }
}

impl From<EngineError> for Problem {
    fn from(e: EngineError) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match e {
            EngineError::Validation(errors) => {
                let mut p = Problem::new(status, "the request has invalid fields");
                p.body["errors"] = json!(errors);
                p
            }
            EngineError::Conflict { message, existing } => {
                let mut p = Problem::new(status, message);
                p.body["existing"] = existing;
                p
            }
            EngineError::Busy {
                message,
                retry_after,
            } => {
                let mut p = Problem::new(status, message);
                // Whole seconds, rounded up: never "retry after 0".
                let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                p.retry_after = Some(secs.max(1));
                p
            }
            EngineError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                Problem::new(status, "internal error")
            }
            other => Problem::new(status, other.to_string()),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                headers.insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}
