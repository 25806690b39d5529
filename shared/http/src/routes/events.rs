//! Admin: `POST /v1/events`, `GET /v1/events`, `GET /v1/events/{id}`.

use super::{json_body, read_body, ApiState};
use crate::auth::tenant_from_headers;
use crate::problem::Problem;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use myx_engine::events;
use serde::Deserialize;
use serde_json::json;

pub async fn create(State(state): State<ApiState>, request: Request) -> Result<Response, Problem> {
    let (parts, body) = request.into_parts();
    let tenant = tenant_from_headers(&state.engine, &parts.headers).await?;
    let bytes = read_body(body).await?;
    let value = json_body(&parts, &bytes)?;
    let event = events::create_event(&state.engine, &tenant, &value).await?;
    Ok((StatusCode::CREATED, Json(event)).into_response())
}

pub async fn get(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let tenant = tenant_from_headers(&state.engine, &headers).await?;
    let (event, _) = events::get_event(&state.engine, &tenant, &id).await?;
    Ok(Json(event).into_response())
}

#[derive(Deserialize)]
pub struct ListQuery {
    after: Option<String>,
    limit: Option<usize>,
}

pub async fn list(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, Problem> {
    let tenant = tenant_from_headers(&state.engine, &headers).await?;
    let (events, next) =
        events::list_events(&state.engine, &tenant, q.after, q.limit.unwrap_or(50)).await?;
    Ok(Json(json!({"events": events, "next": next})).into_response())
}
