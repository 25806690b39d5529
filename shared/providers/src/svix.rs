//! Svix webhook signatures, as Resend sends them: headers `svix-id`,
//! `svix-timestamp` (Unix seconds) and `svix-signature` (space-separated
//! `v1,<base64>` entries, several during a key rotation); the signature is
//! base64 HMAC-SHA256 over `{id}.{timestamp}.{body}` keyed with the
//! base64-decoded secret after `whsec_`. Timestamps more than five minutes
//! from the clock port's now, either way, are refused (replays).

use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use myx_engine::Clock;
use std::fmt;

pub const ID_HEADER: &str = "svix-id";
pub const TIMESTAMP_HEADER: &str = "svix-timestamp";
pub const SIGNATURE_HEADER: &str = "svix-signature";
pub const TOLERANCE: SignedDuration = SignedDuration::from_mins(5);

/// Padding optional, as Svix's libraries accept it.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SvixError {
    #[error("the webhook secret is invalid: {0}")]
    InvalidSecret(String),
    #[error("the svix-id, svix-timestamp and svix-signature headers are required")]
    MissingHeaders,
    #[error("svix-timestamp is not a Unix time in seconds")]
    InvalidTimestamp,
    #[error("the message timestamp is too old")]
    TooOld,
    #[error("the message timestamp is too new")]
    TooNew,
    #[error("no matching signature")]
    NoMatch,
}

impl SvixError {
    /// The request did not try to authenticate (→ 401); otherwise it did
    /// and failed (→ 403).
    pub fn is_missing(&self) -> bool {
        matches!(self, SvixError::MissingHeaders)
    }
}

/// The three Svix headers of one request, as received.
#[derive(Debug, Clone, Copy, Default)]
pub struct SvixHeaders<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// A webhook signing secret (`whsec_<base64>`). `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct SvixSecret {
    key: Vec<u8>,
}

impl fmt::Debug for SvixSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SvixSecret(<redacted>)")
    }
}

impl SvixSecret {
    pub fn new(secret: &str) -> Result<Self, SvixError> {
        let encoded = secret.trim();
        let encoded = encoded.strip_prefix("whsec_").unwrap_or(encoded);
        let key = LENIENT
            .decode(encoded)
            .map_err(|e| SvixError::InvalidSecret(format!("not base64 after whsec_: {e}")))?;
        if key.is_empty() {
            return Err(SvixError::InvalidSecret("empty".into()));
        }
        Ok(SvixSecret { key })
    }

    fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> Hmac<sha2::Sha256> {
        // HMAC takes keys of any length.
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `svix-signature` value Svix would send (`v1,<base64>`).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let digest = self.mac(id, &timestamp.to_string(), body).finalize();
        format!("v1,{}", STANDARD.encode(digest.into_bytes()))
    }

    /// Verifies a request against the clock port's now.
    pub fn verify(
        &self,
        headers: &SvixHeaders<'_>,
        body: &[u8],
        clock: &dyn Clock,
    ) -> Result<(), SvixError> {
        self.verify_at(headers, body, clock.now())
    }

    pub fn verify_at(
        &self,
        headers: &SvixHeaders<'_>,
        body: &[u8],
        now: Timestamp,
    ) -> Result<(), SvixError> {
        let (Some(id), Some(timestamp), Some(signatures)) = (
            present(headers.id),
            present(headers.timestamp),
            present(headers.signature),
        ) else {
            return Err(SvixError::MissingHeaders);
        };
        let seconds: i64 = timestamp.parse().map_err(|_| SvixError::InvalidTimestamp)?;
        let sent = Timestamp::from_second(seconds).map_err(|_| SvixError::InvalidTimestamp)?;
        if sent < now - TOLERANCE {
            return Err(SvixError::TooOld);
        }
        if sent > now + TOLERANCE {
            return Err(SvixError::TooNew);
        }
        let expected = self.mac(id, timestamp, body);
        let mut ok = false;
        for entry in signatures.split(' ') {
            let Some(("v1", signature)) = entry.split_once(',') else {
                continue;
            };
            if let Ok(bytes) = LENIENT.decode(signature) {
                ok |= expected.clone().verify_slice(&bytes).is_ok();
            }
        }
        if ok {
            Ok(())
        } else {
            Err(SvixError::NoMatch)
        }
    }
}

/// A header value that is set and not blank.
fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn a_signature_of_our_own_verifies_and_headers_are_required() {
        let secret = SvixSecret::new(SECRET).unwrap();
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let sig = secret.sign("msg_1", 1_700_000_000, b"{}");
        let ok = SvixHeaders {
            id: Some("msg_1"),
            timestamp: Some("1700000000"),
            signature: Some(&sig),
        };
        assert_eq!(secret.verify_at(&ok, b"{}", now), Ok(()));
        let missing = SvixHeaders {
            signature: None,
            ..ok
        };
        assert_eq!(
            secret.verify_at(&missing, b"{}", now),
            Err(SvixError::MissingHeaders)
        );
        let garbled = SvixHeaders {
            timestamp: Some("soon"),
            ..ok
        };
        assert_eq!(
            secret.verify_at(&garbled, b"{}", now),
            Err(SvixError::InvalidTimestamp)
        );
    }

    #[test]
    fn secrets_need_base64_and_debug_redacts() {
        assert!(SvixSecret::new("whsec_").is_err());
        assert!(SvixSecret::new("whsec_***").is_err());
        let s = SvixSecret::new(SECRET).unwrap();
        assert!(!format!("{s:?}").contains("MfKQ"));
    }
}
