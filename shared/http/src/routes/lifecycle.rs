//! Admin: `PATCH /v1/events/{id}` (reschedule), `POST .../attendance`,
//! `POST .../complete`, `POST .../cancel`.

use super::{json_body, read_body, ApiState};
use crate::auth::tenant_from_headers;
use crate::problem::Problem;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use myx_engine::lifecycle;

pub async fn reschedule(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, Problem> {
    let (parts, body) = request.into_parts();
    let tenant = tenant_from_headers(&state.engine, &parts.headers).await?;
    let value = json_body(&parts, &read_body(body).await?)?;
    let event = lifecycle::update(&state.engine, &tenant, &id, &value).await?;
    Ok(Json(event).into_response())
}

pub async fn attendance(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, Problem> {
    let (parts, body) = request.into_parts();
    let tenant = tenant_from_headers(&state.engine, &parts.headers).await?;
    let value = json_body(&parts, &read_body(body).await?)?;
    let result = lifecycle::record_attendance(&state.engine, &tenant, &id, &value).await?;
    Ok(Json(result).into_response())
}

pub async fn complete(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, Problem> {
    let tenant = tenant_from_headers(&state.engine, request.headers()).await?;
    let event = lifecycle::complete(&state.engine, &tenant, &id).await?;
    Ok(Json(event).into_response())
}

pub async fn cancel(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, Problem> {
    let tenant = tenant_from_headers(&state.engine, request.headers()).await?;
    let event = lifecycle::cancel(&state.engine, &tenant, &id).await?;
    Ok(Json(event).into_response())
}
