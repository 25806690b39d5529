//! Public, unauthenticated routes besides enrollment: the event's calendar
//! file and unsubscribe (confirmation page on GET, RFC 8058 one-click on POST).

use super::ApiState;
use crate::problem::Problem;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use myx_engine::{compliance, events, links};
use serde::Deserialize;

pub async fn calendar_ics(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id = id.strip_suffix(".ics").unwrap_or(&id).to_string();
    let tenant = events::tenant_of_event(&state.engine, &id).await?;
    let (event, _) = events::get_event(&state.engine, &tenant, &id).await?;
    let entry = links::calendar_event(&state.engine, &tenant, &event);
    let ics = myx_compose::calendar::to_ics(&entry, state.engine.clock.now())
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"invite.ics\"",
            ),
        ],
        ics,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn token_of(q: &TokenQuery) -> Result<&str, Problem> {
    q.token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Problem::new(StatusCode::BAD_REQUEST, "the unsubscribe link has no token"))
}

/// GET never unsubscribes (mail scanners follow links): it shows a button.
pub async fn unsubscribe_page(
    State(state): State<ApiState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, Problem> {
    let token = token_of(&q)?;
    compliance::check_token(&state.engine, token)?;
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Unsubscribe</title></head><body>\
         <h1>Unsubscribe</h1><p>Stop receiving these messages?</p>\
         <form method=\"post\" action=\"/v1/unsubscribe?token={}\">\
         <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
         <button type=\"submit\">Unsubscribe</button></form></body></html>",
        html_attr(token)
    );
    Ok(Html(page).into_response())
}

/// RFC 8058 one-click: `POST` with `List-Unsubscribe=One-Click`.
pub async fn unsubscribe(
    State(state): State<ApiState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, Problem> {
    let token = token_of(&q)?;
    let channel = compliance::unsubscribe(&state.engine, token).await?;
    Ok(Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Unsubscribed</title></head><body>\
         <h1>You are unsubscribed</h1><p>You will not receive further {channel} messages from us.</p></body></html>"
    ))
    .into_response())
}

/// Tokens are URL-safe base64 and dots; anything else is escaped anyway.
fn html_attr(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            c => c.to_string(),
        })
        .collect()
}
