//! What the provider clients share: the HTTP client and the mapping of
//! transport failures and `Retry-After` to [`SendError`].

use crate::config::ConfigError;
use myx_engine::SendError;
use std::time::Duration;

pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("myxelium/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConfigError::Client(e.to_string()))
}

/// No answer (timeout, connection refused or reset): retrying may help.
/// The URL is left out of the message.
pub(crate) fn transport_error(provider: &str, e: reqwest::Error) -> SendError {
    SendError::Transient(describe_transport(provider, e))
}

/// "{provider}: timed out: ..." and the like, without the URL.
pub(crate) fn describe_transport(provider: &str, e: reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    format!("{provider}: {what}: {}", e.without_url())
}

/// `Retry-After` in seconds (HTTP dates are not used by these providers).
pub(crate) fn retry_after_secs(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// "; retry after N s" when the provider said so.
pub(crate) fn retry_hint(retry_after: Option<u64>) -> String {
    retry_after
        .map(|s| format!("; retry after {s} s"))
        .unwrap_or_default()
}
