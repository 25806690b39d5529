//! The Twilio SMS sender: `POST {api_base}/2010-04-01/Accounts/{sid}/Messages.json`
//! with HTTP basic auth, a status callback on every message.
//!
//! Errors: invalid, unreachable or opted-out numbers (21211, 21614, 21610,
//! ...) and every other 4xx are permanent; 429 (with its `Retry-After`),
//! 5xx, timeouts and connection failures are transient. A 2xx whose body
//! cannot be read or has no `sid` is permanent: the message may have gone
//! out, and a retry could send it twice (at most once wins).

use super::errors;
use crate::config::{base_url, non_empty, ConfigError};
use crate::http::{client, retry_after_secs, retry_hint, transport_error};
use async_trait::async_trait;
use myx_engine::{OutgoingSms, SendError, Sent, SmsSender};
use reqwest::StatusCode;
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

pub const PROVIDER: &str = "twilio";
pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";
/// Where status callbacks go, under the public URL.
pub const STATUS_PATH: &str = "/v1/webhooks/twilio/status";

#[derive(Clone, PartialEq, Eq)]
pub struct TwilioConfig {
    pub account_sid: String,
    pub auth_token: String,
    /// The sender for every SMS: an E.164 number, or a Messaging Service
    /// SID (`MG...`). `None`: each message's own `from` (the tenant's number).
    pub from: Option<String>,
    /// Without a trailing slash.
    pub api_base: String,
    /// Sent as `StatusCallback` with every message.
    pub status_callback: Option<String>,
    pub timeout: Duration,
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("from", &self.from)
            .field("api_base", &self.api_base)
            .field("status_callback", &self.status_callback)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl TwilioConfig {
    pub fn new(account_sid: impl Into<String>, auth_token: impl Into<String>) -> Self {
        TwilioConfig {
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
            from: None,
            api_base: DEFAULT_API_BASE.into(),
            status_callback: None,
            timeout: Duration::from_secs(10),
        }
    }

    /// `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, `TWILIO_FROM`,
    /// `TWILIO_API_BASE`; `None` unless both the SID and the token are set.
    pub fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let (Some(sid), Some(token)) = (
            non_empty(lookup, "TWILIO_ACCOUNT_SID"),
            non_empty(lookup, "TWILIO_AUTH_TOKEN"),
        ) else {
            return Ok(None);
        };
        let mut config = TwilioConfig::new(sid, token);
        config.from = non_empty(lookup, "TWILIO_FROM");
        if let Some(base) = non_empty(lookup, "TWILIO_API_BASE") {
            config.api_base = base_url("TWILIO_API_BASE", &base)?;
        }
        Ok(Some(config))
    }

    /// Status callbacks to `{public_url}/v1/webhooks/twilio/status`.
    pub fn with_public_url(mut self, public_url: &str) -> Self {
        self.status_callback = Some(format!("{}{STATUS_PATH}", public_url.trim_end_matches('/')));
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn messages_url(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.api_base, self.account_sid
        )
    }
}

/// Sends SMS through Twilio's Messages API.
#[derive(Clone)]
pub struct TwilioSms {
    config: TwilioConfig,
    http: reqwest::Client,
}

impl fmt::Debug for TwilioSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioSms")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Created {
    sid: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<u32>,
}

impl TwilioSms {
    pub fn new(config: TwilioConfig) -> Result<Self, ConfigError> {
        Ok(TwilioSms {
            http: client(config.timeout)?,
            config,
        })
    }

    pub fn config(&self) -> &TwilioConfig {
        &self.config
    }
}

/// The status callback URL for `sms`: the configured one with the send's
/// reference as `send=` (Twilio signs the whole URL it calls back, so the
/// reference comes back as trustworthy as the status itself).
fn status_callback(config: &TwilioConfig, sms: &OutgoingSms) -> Option<String> {
    let base = config.status_callback.as_deref()?;
    Some(match &sms.send_ref {
        // base64url: nothing in it needs escaping in a query.
        Some(reference) => {
            let joiner = if base.contains('?') { '&' } else { '?' };
            format!("{base}{joiner}{SEND_REF_PARAM}={reference}")
        }
        None => base.to_string(),
    })
}

/// The query parameter of the status callback URL that carries the send's
/// reference.
pub const SEND_REF_PARAM: &str = "send";

/// The form Twilio gets: To, From or MessagingServiceSid, Body, StatusCallback.
fn form<'a>(
    config: &'a TwilioConfig,
    sms: &'a OutgoingSms,
    callback: Option<&'a str>,
) -> Vec<(&'static str, &'a str)> {
    let from = config.from.as_deref().unwrap_or(&sms.from);
    let sender = if from.starts_with("MG") {
        "MessagingServiceSid"
    } else {
        "From"
    };
    let mut form = vec![
        ("To", sms.to.as_str()),
        (sender, from),
        ("Body", sms.body.as_str()),
    ];
    if let Some(callback) = callback {
        form.push(("StatusCallback", callback));
    }
    form
}

/// A refused request as a send error (no Twilio text: it repeats the number).
fn refused(status: StatusCode, retry_after: Option<u64>, body: &[u8]) -> SendError {
    let code = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|b| b.code);
    let code_text = code.map(|c| format!(", error {c}")).unwrap_or_default();
    if status == StatusCode::TOO_MANY_REQUESTS {
        return SendError::Transient(format!(
            "twilio rate limited (429{code_text}){}",
            retry_hint(retry_after)
        ));
    }
    if status.is_server_error() {
        return SendError::Transient(format!(
            "twilio unavailable ({}{code_text}){}",
            status.as_u16(),
            retry_hint(retry_after)
        ));
    }
    match code.and_then(|c| errors::describe(c).map(|d| (c, d))) {
        Some((c, description)) => SendError::Permanent(format!("twilio error {c}: {description}")),
        None => SendError::Permanent(format!("twilio refused ({}{code_text})", status.as_u16())),
    }
}

#[async_trait]
impl SmsSender for TwilioSms {
    async fn send_sms(&self, sms: &OutgoingSms) -> Result<Sent, SendError> {
        let callback = status_callback(&self.config, sms);
        let response = self
            .http
            .post(self.config.messages_url())
            .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
            .form(&form(&self.config, sms, callback.as_deref()))
            .send()
            .await
            .map_err(|e| transport_error(PROVIDER, e))?;
        let status = response.status();
        let retry_after = retry_after_secs(response.headers());
        if !status.is_success() {
            let body = response.bytes().await.unwrap_or_default();
            return Err(refused(status, retry_after, &body));
        }
        let sid = response
            .json::<Created>()
            .await
            .ok()
            .and_then(|c| c.sid)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                SendError::Permanent(
                    "twilio accepted the message but its answer had no sid (not retried: it may have been sent)".into(),
                )
            })?;
        tracing::debug!(message = %sms.message_id, sid = %sid, "sms sent through twilio");
        Ok(Sent {
            provider: PROVIDER.into(),
            provider_id: sid,
            echoes_send_ref: sms.send_ref.is_some() && callback.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sms(from: &str) -> OutgoingSms {
        OutgoingSms {
            from: from.into(),
            to: "+14155550123".into(),
            body: "hi".into(),
            message_id: "msg_1".into(),
            step: None,
            send_ref: None,
        }
    }

    #[test]
    fn the_configured_sender_wins_and_mg_sids_are_messaging_services() {
        let mut config = TwilioConfig::new("AC1", "t");
        assert!(form(&config, &sms("+15550001111"), None).contains(&("From", "+15550001111")));
        config.from = Some("MG0123".into());
        let message = sms("+15550001111");
        let f = form(&config, &message, None);
        assert!(f.contains(&("MessagingServiceSid", "MG0123")));
        assert!(!f
            .iter()
            .any(|(k, _)| *k == "From" || *k == "StatusCallback"));
    }

    #[test]
    fn the_status_callback_carries_the_send_reference() {
        let config = TwilioConfig::new("AC1", "t").with_public_url("https://api.example.com/");
        let plain = sms("+15550001111");
        assert_eq!(
            status_callback(&config, &plain).as_deref(),
            Some("https://api.example.com/v1/webhooks/twilio/status")
        );
        let referenced = OutgoingSms {
            send_ref: Some("WyJhIl0".into()),
            ..plain
        };
        let callback = status_callback(&config, &referenced).unwrap();
        assert_eq!(
            callback,
            "https://api.example.com/v1/webhooks/twilio/status?send=WyJhIl0"
        );
        assert!(form(&config, &referenced, Some(&callback))
            .contains(&("StatusCallback", callback.as_str())));
        // No public URL, no callback: nothing would bring the reference back.
        assert_eq!(
            status_callback(&TwilioConfig::new("AC1", "t"), &referenced),
            None
        );
    }

    #[test]
    fn refusals_map_to_permanent_or_transient() {
        let body = br#"{"code": 21211, "message": "The 'To' number +14155550123 is not a valid phone number.", "status": 400}"#;
        let e = refused(StatusCode::BAD_REQUEST, None, body);
        assert!(
            matches!(&e, SendError::Permanent(m) if m.contains("21211")),
            "{e}"
        );
        assert!(!e.to_string().contains("+1415"), "no phone number in {e}");
        assert!(matches!(
            refused(StatusCode::UNAUTHORIZED, None, b"not json"),
            SendError::Permanent(_)
        ));
        let e = refused(StatusCode::TOO_MANY_REQUESTS, Some(30), b"{}");
        assert!(
            matches!(&e, SendError::Transient(m) if m.contains("retry after 30 s")),
            "{e}"
        );
        assert!(matches!(
            refused(StatusCode::BAD_GATEWAY, None, b""),
            SendError::Transient(_)
        ));
    }
}
