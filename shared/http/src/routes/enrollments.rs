//! `POST /v1/enrollments` (public) and `GET /v1/enrollments/{id}/timeline` (admin).

use super::{client_ip, json_body, read_body, ApiState};
use crate::auth::tenant_from_headers;
use crate::problem::Problem;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use myx_engine::{enroll, events, timeline};
use serde_json::json;

pub async fn create(State(state): State<ApiState>, request: Request) -> Result<Response, Problem> {
    let (parts, body) = request.into_parts();
    if let Some(limit) = &state.rate_limit {
        limit
            .check(client_ip(&parts))
            .map_err(Problem::too_many_requests)?;
    }
    let bytes = read_body(body).await?;
    let value = json_body(&parts, &bytes)?;
    // Forms know only the event; its id names the tenant.
    let event_id = value.get("eventId").and_then(|v| v.as_str()).unwrap_or("");
    let tenant = if event_id.is_empty() {
        // Let validation report every missing field at once.
        String::new()
    } else {
        events::tenant_of_event(&state.engine, event_id).await?
    };
    let idempotency_key = parts
        .headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str().map_err(|_| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "Idempotency-Key must be visible ASCII",
                )
            })
        })
        .transpose()?;
    let response = enroll::enroll(&state.engine, &tenant, &value, idempotency_key).await?;
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::CREATED);
    Ok((status, Json(response.body)).into_response())
}

pub async fn timeline(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let tenant = tenant_from_headers(&state.engine, &headers).await?;
    let (event_id, contact_id, entries) =
        timeline::for_enrollment(&state.engine, &tenant, &id).await?;
    Ok(Json(json!({
        "enrollmentId": id,
        "eventId": event_id,
        "contactId": contact_id,
        "entries": entries,
    }))
    .into_response())
}
