//! Admin routes: `Authorization: Bearer <API key>` names the tenant.

use crate::problem::Problem;
use axum::http::{header, HeaderMap, StatusCode};
use myx_engine::{tenants, Engine};

pub async fn tenant_from_headers(engine: &Engine, headers: &HeaderMap) -> Result<String, Problem> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "send the API key as `Authorization: Bearer <key>`",
            )
        })?;
    tenants::authenticate(engine, key)
        .await
        .map_err(Problem::from)
}
