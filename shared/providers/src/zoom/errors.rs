//! Zoom's error answers as [`ConferencingError`]s: rate limits (429, with
//! `Retry-After`), server errors and timeouts are `Unavailable` (→ 503);
//! any other refusal of a registration is `Rejected` (→ 422). Zoom's
//! message is kept (it says what is wrong, e.g. "Registration has not been
//! enabled for this meeting") with anything that looks like an email
//! address masked, so errors can be logged.

use myx_engine::ConferencingError;
use reqwest::StatusCode;
use serde::Deserialize;

/// Zoom's API error body: `{"code": 3001, "message": "..."}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ApiError {
    pub code: Option<i64>,
    pub message: Option<String>,
}

impl ApiError {
    pub fn parse(body: &[u8]) -> ApiError {
        serde_json::from_slice(body).unwrap_or(ApiError {
            code: None,
            message: None,
        })
    }
}

/// Zoom's code for an access token it no longer accepts: fetch a new one.
pub(crate) const INVALID_ACCESS_TOKEN: i64 = 124;
/// Codes for a token that lacks the scopes the call needs: the app's
/// configuration, not the registrant, is at fault.
const MISSING_SCOPES: [i64; 2] = [4700, 4711];

/// Masks email-like words and cuts the text to a sane length.
pub(crate) fn scrub(text: &str) -> String {
    let masked: Vec<&str> = text
        .split_whitespace()
        .map(|w| if w.contains('@') { "<email>" } else { w })
        .collect();
    masked.join(" ").chars().take(200).collect()
}

/// " (code 3001: Meeting does not exist)" or "".
fn details(error: &ApiError) -> String {
    match (error.code, error.message.as_deref().map(scrub)) {
        (Some(c), Some(m)) if !m.is_empty() => format!(", code {c}: {m}"),
        (Some(c), _) => format!(", code {c}"),
        (None, Some(m)) if !m.is_empty() => format!(": {m}"),
        _ => String::new(),
    }
}

/// A refused API call (`what`: e.g. "registration").
pub(crate) fn refused(
    what: &str,
    status: StatusCode,
    retry_after: Option<u64>,
    body: &[u8],
) -> ConferencingError {
    let error = ApiError::parse(body);
    let detail = format!(
        "zoom refused the {what} ({}{})",
        status.as_u16(),
        details(&error)
    );
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return unavailable(detail, retry_after);
    }
    let config_problem = status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || error
            .code
            .is_some_and(|c| c == INVALID_ACCESS_TOKEN || MISSING_SCOPES.contains(&c));
    if config_problem {
        return ConferencingError::Unavailable(format!(
            "{detail}; check the Zoom app's credentials and scopes"
        ));
    }
    ConferencingError::Rejected(detail)
}

/// The token endpoint's error body: `{"reason": "...", "error": "invalid_client"}`.
#[derive(Debug, Deserialize)]
struct OAuthError {
    error: Option<String>,
    reason: Option<String>,
}

/// A refused token request. Always `Unavailable`: the registrant did
/// nothing wrong; our credentials (or Zoom) did.
pub(crate) fn token_refused(
    status: StatusCode,
    retry_after: Option<u64>,
    body: &[u8],
) -> ConferencingError {
    let error: Option<OAuthError> = serde_json::from_slice(body).ok();
    let what = error
        .map(|e| {
            [e.error, e.reason]
                .into_iter()
                .flatten()
                .map(|s| scrub(&s))
                .collect::<Vec<_>>()
                .join(": ")
        })
        .filter(|s| !s.is_empty())
        .map(|s| format!(", {s}"))
        .unwrap_or_default();
    let detail = format!(
        "zoom refused the access token request ({}{what})",
        status.as_u16()
    );
    if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
        return ConferencingError::Unavailable(format!(
            "{detail}; check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET"
        ));
    }
    unavailable(detail, retry_after)
}

/// Busy when Zoom said when to come back, else unavailable.
fn unavailable(detail: String, retry_after: Option<u64>) -> ConferencingError {
    match retry_after {
        Some(secs) => ConferencingError::Busy {
            detail,
            retry_after: std::time::Duration::from_secs(secs),
        },
        None => ConferencingError::Unavailable(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_masked_in_zoom_messages() {
        assert_eq!(
            scrub("Registrant ada@example.com already exists"),
            "Registrant <email> already exists"
        );
        assert_eq!(scrub(&"x".repeat(500)).len(), 200);
    }

    #[test]
    fn refusals_map_to_rejected_or_unavailable() {
        let e = refused(
            "registration",
            StatusCode::NOT_FOUND,
            None,
            br#"{"code":3001,"message":"Meeting 85746065123 is not found or has expired."}"#,
        );
        assert!(
            matches!(&e, ConferencingError::Rejected(m) if m.contains("404, code 3001: Meeting 85746065123")),
            "{e}"
        );
        let e = refused("registration", StatusCode::TOO_MANY_REQUESTS, Some(3), b"");
        assert!(
            matches!(&e, ConferencingError::Busy { detail, retry_after } if detail.contains("429") && retry_after.as_secs() == 3),
            "{e}"
        );
        assert!(matches!(
            token_refused(StatusCode::SERVICE_UNAVAILABLE, Some(9), b""),
            ConferencingError::Busy { retry_after, .. } if retry_after.as_secs() == 9
        ));
        assert!(matches!(
            refused("registration", StatusCode::BAD_GATEWAY, None, b"<html>"),
            ConferencingError::Unavailable(_)
        ));
        assert!(matches!(
            refused(
                "registration",
                StatusCode::BAD_REQUEST,
                None,
                br#"{"code":4711,"message":"Invalid access token, does not contain scopes"}"#
            ),
            ConferencingError::Unavailable(_)
        ));
        let e = token_refused(
            StatusCode::BAD_REQUEST,
            None,
            br#"{"reason":"Invalid client_id or client_secret","error":"invalid_client"}"#,
        );
        assert!(
            matches!(&e, ConferencingError::Unavailable(m) if m.contains("invalid_client") && m.contains("ZOOM_CLIENT_ID")),
            "{e}"
        );
    }
}
