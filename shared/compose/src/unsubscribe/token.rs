//! Unsubscribe tokens: `1.<key id>.<claims>.<signature>`, each part
//! base64url without padding, so a token is URL-safe as it stands
//! (letters, digits, `-`, `_` and `.`).
//!
//! The claims are a small JSON object; the signature is HMAC-SHA256 over
//! everything before the last dot. Tokens are signed, not encrypted: they
//! hold ids, never an address. They do not expire (CAN-SPAM wants the link
//! to work for at least 30 days; the issue time lets a caller set a limit).

use super::key::{UnsubscribeKey, KEY_ID_LEN};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::Mac;
use jiff::Timestamp;
use myx_core::Channel;
use serde::Deserialize;
use std::fmt;
use std::str::FromStr;

const VERSION: &str = "1";
/// HMAC-SHA256 output, and its unpadded base64 length.
const SIGNATURE_LEN: usize = 32;
const SIGNATURE_CHARS: usize = 43;
/// Base64 length of the key id.
const KEY_ID_CHARS: usize = 8;
/// Longest token `verify` looks at (real ones are about 200 characters).
pub const MAX_TOKEN_LEN: usize = 1024;

/// What the recipient unsubscribes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Channel(Channel),
    All,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Channel(c) => c.as_str(),
            Scope::All => "all",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = TokenError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "all" {
            return Ok(Scope::All);
        }
        match Channel::from_str(s) {
            Ok(c) if c.as_str() == s => Ok(Scope::Channel(c)),
            _ => Err(TokenError::InvalidClaims(format!("unknown scope {s:?}"))),
        }
    }
}

/// Who unsubscribes from what, and when the token was issued (whole
/// seconds: finer precision is dropped when issuing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub tenant_id: String,
    pub contact_id: String,
    pub scope: Scope,
    pub issued_at: Timestamp,
}

/// Why a token was refused. Each cause has its own variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not an unsubscribe token")]
    Malformed,
    #[error("unsubscribe token version {0:?} is not supported")]
    UnsupportedVersion(String),
    #[error("the unsubscribe token is incomplete (truncated)")]
    Truncated,
    #[error("the unsubscribe token was signed with another key")]
    WrongKey,
    #[error("the unsubscribe token's signature does not match its content (tampered)")]
    BadSignature,
    #[error("the unsubscribe token's claims are invalid: {0}")]
    InvalidClaims(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireClaims {
    t: String,
    c: String,
    s: String,
    iat: i64,
}

/// Signs `claims` with `key`.
pub fn issue(key: &UnsubscribeKey, claims: &Claims) -> String {
    // `Value`'s Display cannot fail, unlike `serde_json::to_vec`.
    let payload = serde_json::json!({
        "t": claims.tenant_id,
        "c": claims.contact_id,
        "s": claims.scope.as_str(),
        "iat": claims.issued_at.as_second(),
    })
    .to_string();
    let signed = format!(
        "{VERSION}.{}.{}",
        URL_SAFE_NO_PAD.encode(key.id()),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let mut mac = key.mac();
    mac.update(signed.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signed}.{signature}")
}

/// Checks `token` against `key` (the signature in constant time) and returns
/// its claims.
pub fn verify(key: &UnsubscribeKey, token: &str) -> Result<Claims, TokenError> {
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_LEN || !token.bytes().all(is_token_byte) {
        return Err(TokenError::Malformed);
    }
    let parts: Vec<&str> = token.split('.').collect();
    match parts.first().copied() {
        Some(VERSION) => {}
        Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(TokenError::UnsupportedVersion(v.to_string()))
        }
        _ => return Err(TokenError::Malformed),
    }
    let [_, key_id, payload, signature] = parts[..] else {
        return Err(if parts.len() < 4 {
            TokenError::Truncated
        } else {
            TokenError::Malformed
        });
    };
    if signature.len() < SIGNATURE_CHARS {
        return Err(TokenError::Truncated);
    }
    if signature.len() > SIGNATURE_CHARS || key_id.len() != KEY_ID_CHARS {
        return Err(TokenError::Malformed);
    }
    let key_id = decode(key_id)?;
    let signature = decode(signature)?;
    let payload_bytes = decode(payload)?;
    if key_id.len() != KEY_ID_LEN || signature.len() != SIGNATURE_LEN {
        return Err(TokenError::Malformed);
    }
    if key_id[..] != key.id() {
        return Err(TokenError::WrongKey);
    }
    let (signed, _) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
    let mut mac = key.mac();
    mac.update(signed.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| TokenError::BadSignature)?;
    claims_from(&payload_bytes)
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

fn decode(part: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::Malformed)
}

fn claims_from(payload: &[u8]) -> Result<Claims, TokenError> {
    let wire: WireClaims =
        serde_json::from_slice(payload).map_err(|e| TokenError::InvalidClaims(e.to_string()))?;
    let issued_at = Timestamp::from_second(wire.iat)
        .map_err(|e| TokenError::InvalidClaims(format!("issue time: {e}")))?;
    Ok(Claims {
        tenant_id: wire.t,
        contact_id: wire.c,
        scope: wire.s.parse()?,
        issued_at,
    })
}
