//! Admin: `PUT /v1/funnels/{id}` stores a validated new version (JSON, or
//! YAML by content type).

use super::{read_body, ApiState};
use crate::auth::tenant_from_headers;
use crate::problem::Problem;
use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use myx_core::SourceFormat;
use myx_engine::funnels;

pub async fn put(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, Problem> {
    let (parts, body) = request.into_parts();
    let tenant = tenant_from_headers(&state.engine, &parts.headers).await?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let format = if content_type.contains("yaml") {
        SourceFormat::Yaml
    } else if content_type.contains("json") {
        SourceFormat::Json
    } else {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the funnel as application/json or application/yaml",
        ));
    };
    let bytes = read_body(body).await?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "the body is not UTF-8 text"))?;
    let stored = funnels::put_funnel(&state.engine, &tenant, &id, text, format).await?;
    let status = if stored.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(stored)).into_response())
}
