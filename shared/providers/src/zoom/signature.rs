//! Zoom webhook signatures. Each request carries `x-zm-request-timestamp`
//! (Unix seconds) and `x-zm-signature: v0=<hex>`, the lowercase hex
//! HMAC-SHA256 over `v0:{timestamp}:{raw body}` keyed with the app's secret
//! token. Timestamps more than five minutes from the clock port's now,
//! either way, are refused (replays).
//!
//! The same key answers Zoom's URL validation: `encryptedToken` is the hex
//! HMAC-SHA256 of the `plainToken`. That answer is only given to a request
//! whose signature verified: unverified, it would sign any text an attacker
//! chose, `v0:{ts}:{forged body}` included.

use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use myx_engine::Clock;
use std::fmt;

pub const SIGNATURE_HEADER: &str = "x-zm-signature";
pub const TIMESTAMP_HEADER: &str = "x-zm-request-timestamp";
pub const TOLERANCE: SignedDuration = SignedDuration::from_mins(5);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoomSignatureError {
    #[error("the x-zm-signature and x-zm-request-timestamp headers are required")]
    Missing,
    #[error("x-zm-request-timestamp is not a Unix time in seconds")]
    InvalidTimestamp,
    #[error("the request timestamp is more than 5 minutes old")]
    TooOld,
    #[error("the request timestamp is more than 5 minutes ahead")]
    TooNew,
    #[error("the x-zm-signature does not match")]
    Mismatch,
}

impl ZoomSignatureError {
    /// The request did not try to authenticate (→ 401); otherwise it did
    /// and failed (→ 403).
    pub fn is_missing(&self) -> bool {
        matches!(self, ZoomSignatureError::Missing)
    }
}

/// The two signature headers of one request, as received.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZoomSignatureHeaders<'a> {
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// The app's webhook secret token (`ZOOM_WEBHOOK_SECRET_TOKEN`). `Debug`
/// redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct ZoomWebhookSecret {
    token: String,
}

impl fmt::Debug for ZoomWebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ZoomWebhookSecret(<redacted>)")
    }
}

impl ZoomWebhookSecret {
    /// `None` for an empty or blank token.
    pub fn new(token: &str) -> Option<Self> {
        let token = token.trim();
        (!token.is_empty()).then(|| ZoomWebhookSecret {
            token: token.to_string(),
        })
    }

    fn mac(&self) -> Hmac<sha2::Sha256> {
        // HMAC takes keys of any length.
        Hmac::<sha2::Sha256>::new_from_slice(self.token.as_bytes())
            .unwrap_or_else(|_| unreachable!())
    }

    fn message_mac(&self, timestamp: &str, body: &[u8]) -> Hmac<sha2::Sha256> {
        let mut mac = self.mac();
        mac.update(b"v0:");
        mac.update(timestamp.as_bytes());
        mac.update(b":");
        mac.update(body);
        mac
    }

    /// The `x-zm-signature` Zoom would send (`v0=<hex>`).
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        let digest = self.message_mac(&timestamp.to_string(), body).finalize();
        format!("v0={}", hex::encode(digest.into_bytes()))
    }

    /// The `encryptedToken` for a URL validation's `plainToken`.
    pub fn encrypt_token(&self, plain_token: &str) -> String {
        let mut mac = self.mac();
        mac.update(plain_token.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Verifies a request against the clock port's now.
    pub fn verify(
        &self,
        headers: &ZoomSignatureHeaders<'_>,
        body: &[u8],
        clock: &dyn Clock,
    ) -> Result<(), ZoomSignatureError> {
        self.verify_at(headers, body, clock.now())
    }

    pub fn verify_at(
        &self,
        headers: &ZoomSignatureHeaders<'_>,
        body: &[u8],
        now: Timestamp,
    ) -> Result<(), ZoomSignatureError> {
        let (Some(timestamp), Some(signature)) = (
            headers.timestamp.map(str::trim).filter(|v| !v.is_empty()),
            headers.signature.map(str::trim).filter(|v| !v.is_empty()),
        ) else {
            return Err(ZoomSignatureError::Missing);
        };
        let seconds: i64 = timestamp
            .parse()
            .map_err(|_| ZoomSignatureError::InvalidTimestamp)?;
        let sent =
            Timestamp::from_second(seconds).map_err(|_| ZoomSignatureError::InvalidTimestamp)?;
        if sent < now - TOLERANCE {
            return Err(ZoomSignatureError::TooOld);
        }
        if sent > now + TOLERANCE {
            return Err(ZoomSignatureError::TooNew);
        }
        let bytes = signature
            .strip_prefix("v0=")
            .and_then(|h| hex::decode(h).ok())
            .ok_or(ZoomSignatureError::Mismatch)?;
        // Constant-time comparison.
        self.message_mac(timestamp, body)
            .verify_slice(&bytes)
            .map_err(|_| ZoomSignatureError::Mismatch)
    }
}
