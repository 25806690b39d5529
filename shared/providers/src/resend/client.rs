//! The Resend email sender: `POST {api_base}/emails` with a bearer key and
//! a JSON body (from, to, subject, html, text, headers such as
//! `List-Unsubscribe` and `List-Unsubscribe-Post`, base64 attachments).
//!
//! Every request carries `Idempotency-Key: {our message id}`: Resend
//! answers a repeat within 24 hours with the first result instead of
//! sending again, so retrying after a timeout cannot send twice.
//! 429 (with its `Retry-After`), 5xx, timeouts and a concurrent repeat are
//! transient; every other 4xx is permanent.

use crate::config::{base_url, non_empty, ConfigError};
use crate::http::{client, retry_after_secs, retry_hint, transport_error};
use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use myx_engine::{EmailSender, OutgoingEmail, SendError, Sent};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::fmt;
use std::time::Duration;

pub const PROVIDER: &str = "resend";
pub const DEFAULT_API_BASE: &str = "https://api.resend.com";

#[derive(Clone, PartialEq, Eq)]
pub struct ResendConfig {
    pub api_key: String,
    /// Without a trailing slash.
    pub api_base: String,
    pub timeout: Duration,
}

impl fmt::Debug for ResendConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResendConfig")
            .field("api_key", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl ResendConfig {
    pub fn new(api_key: impl Into<String>) -> Self {
        ResendConfig {
            api_key: api_key.into(),
            api_base: DEFAULT_API_BASE.into(),
            timeout: Duration::from_secs(10),
        }
    }

    /// `RESEND_API_KEY`, `RESEND_API_BASE`; `None` without a key.
    pub fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let Some(key) = non_empty(lookup, "RESEND_API_KEY") else {
            return Ok(None);
        };
        let mut config = ResendConfig::new(key);
        if let Some(base) = non_empty(lookup, "RESEND_API_BASE") {
            config.api_base = base_url("RESEND_API_BASE", &base)?;
        }
        Ok(Some(config))
    }

    pub fn with_api_base(mut self, base: &str) -> Self {
        self.api_base = base.trim_end_matches('/').to_string();
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Sends email through Resend.
#[derive(Clone)]
pub struct ResendEmail {
    config: ResendConfig,
    http: reqwest::Client,
}

impl fmt::Debug for ResendEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResendEmail")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ResendEmail {
    pub fn new(config: ResendConfig) -> Result<Self, ConfigError> {
        Ok(ResendEmail {
            http: client(config.timeout)?,
            config,
        })
    }
}

/// Tag values may hold only ASCII letters, digits, `_` and `-` (256 at most).
fn tag_value(value: &str) -> String {
    value
        .chars()
        .take(256)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The JSON body Resend gets.
pub fn request_body(email: &OutgoingEmail) -> Value {
    let headers: Map<String, Value> = email
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    let attachments: Vec<Value> = email
        .attachments
        .iter()
        .map(|a| {
            json!({
                "filename": a.filename,
                "content": STANDARD.encode(&a.content),
                "content_type": a.content_type,
            })
        })
        .collect();
    let mut tags = vec![json!({"name": "message_id", "value": tag_value(&email.message_id)})];
    if let Some(step) = &email.step {
        tags.push(json!({"name": "step", "value": tag_value(step)}));
    }
    let mut body = json!({
        "from": email.from,
        "to": [email.to],
        "subject": email.subject,
        "html": email.html,
        "text": email.text,
        "tags": tags,
    });
    if !headers.is_empty() {
        body["headers"] = Value::Object(headers);
    }
    if !attachments.is_empty() {
        body["attachments"] = Value::Array(attachments);
    }
    body
}

#[derive(Deserialize)]
struct Created {
    id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    name: Option<String>,
}

/// A refused request as a send error (Resend's `name`, not its message).
fn refused(status: StatusCode, retry_after: Option<u64>, body: &[u8]) -> SendError {
    let name = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|b| b.name)
        .map(|n| tag_value(&n))
        .unwrap_or_default();
    let what = if name.is_empty() {
        status.as_u16().to_string()
    } else {
        format!("{} {name}", status.as_u16())
    };
    let hint = retry_hint(retry_after);
    if status == StatusCode::TOO_MANY_REQUESTS {
        SendError::Transient(format!("resend rate limited ({what}){hint}"))
    } else if status.is_server_error() {
        SendError::Transient(format!("resend unavailable ({what}){hint}"))
    } else if status == StatusCode::CONFLICT && name == "concurrent_idempotent_requests" {
        SendError::Transient(format!("resend is still sending this message ({what})"))
    } else {
        SendError::Permanent(format!("resend refused ({what})"))
    }
}

#[async_trait]
impl EmailSender for ResendEmail {
    async fn send_email(&self, email: &OutgoingEmail) -> Result<Sent, SendError> {
        let response = self
            .http
            .post(format!("{}/emails", self.config.api_base))
            .bearer_auth(&self.config.api_key)
            .header("Idempotency-Key", &email.message_id)
            .json(&request_body(email))
            .send()
            .await
            .map_err(|e| transport_error(PROVIDER, e))?;
        let status = response.status();
        let retry_after = retry_after_secs(response.headers());
        if !status.is_success() {
            let body = response.bytes().await.unwrap_or_default();
            return Err(refused(status, retry_after, &body));
        }
        // The idempotency key makes a retry safe even if this answer is lost.
        let id = response
            .json::<Created>()
            .await
            .map_err(|e| transport_error(PROVIDER, e))?
            .id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| SendError::Transient("resend answered without an email id".into()))?;
        tracing::debug!(message = %email.message_id, id = %id, "email sent through resend");
        Ok(Sent {
            provider: PROVIDER.into(),
            provider_id: id,
            echoes_send_ref: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_values_keep_to_the_allowed_characters() {
        assert_eq!(tag_value("msg_01-ab"), "msg_01-ab");
        assert_eq!(tag_value("día 1/2"), "d_a_1_2");
        assert_eq!(tag_value(&"x".repeat(300)).len(), 256);
    }

    #[test]
    fn refusals_map_to_permanent_or_transient() {
        let e = refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            br#"{"statusCode":422,"name":"validation_error","message":"Invalid `to`: ada@example.com"}"#,
        );
        assert!(
            matches!(&e, SendError::Permanent(m) if m.contains("validation_error")),
            "{e}"
        );
        assert!(!e.to_string().contains("ada@"), "{e}");
        let e = refused(StatusCode::TOO_MANY_REQUESTS, Some(2), b"{}");
        assert!(
            matches!(&e, SendError::Transient(m) if m.contains("retry after 2 s")),
            "{e}"
        );
        assert!(matches!(
            refused(StatusCode::SERVICE_UNAVAILABLE, None, b"<html>"),
            SendError::Transient(_)
        ));
        assert!(matches!(
            refused(
                StatusCode::CONFLICT,
                None,
                br#"{"name":"concurrent_idempotent_requests"}"#
            ),
            SendError::Transient(_)
        ));
    }
}
