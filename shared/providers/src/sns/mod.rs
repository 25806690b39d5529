//! Amazon SNS messages posted to an HTTPS subscription (how SES events
//! reach us), verified the way AWS documents:
//!
//! - [`message`]: parsing the JSON document and the string to sign, which
//!   differs for a Notification and for a subscription / unsubscribe
//!   confirmation.
//! - [`urls`]: the allow-list for the certificate URL and the SubscribeURL
//!   (https, `sns.<region>.amazonaws.com`, nothing else).
//! - [`certificate`]: the signing certificate and RSA PKCS#1 v1.5
//!   verification, SHA-1 (SignatureVersion 1) or SHA-256 (2).
//! - [`cache`]: certificates kept by URL.
//! - [`fetch`]: the certificate fetch and the subscription confirmation
//!   behind a trait: HTTPS in production, [`memory_fetch`] in tests.
//! - [`verifier`]: all of it in order, with the allowed topics.

pub mod cache;
pub mod certificate;
pub mod fetch;
pub mod memory_fetch;
pub mod message;
pub mod urls;
pub mod verifier;

pub use fetch::{FetchError, HttpsSnsFetch, SnsFetch};
pub use memory_fetch::InMemorySnsFetch;
pub use message::{MessageType, SignatureVersion, SnsMessage};
pub use urls::{CertUrl, SubscribeUrl, UrlError};
pub use verifier::{SnsVerifier, VerifiedMessage};

/// The header SNS names the message type in (it must agree with `Type`).
pub const MESSAGE_TYPE_HEADER: &str = "x-amz-sns-message-type";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnsError {
    /// Not an SNS message (→ 400).
    #[error("malformed SNS message: {0}")]
    Malformed(String),
    /// A `Type` SNS does not send over HTTP (→ 422).
    #[error("unknown SNS message type {0:?}")]
    UnknownType(String),
    /// No `Signature` or `SigningCertURL` (→ 401).
    #[error("the message is not signed")]
    Unsigned,
    /// The remaining errors: it tried to authenticate and failed (→ 403).
    #[error("SignatureVersion {0:?} is not supported")]
    UnsupportedSignatureVersion(String),
    #[error("the topic is not one this endpoint accepts")]
    TopicNotAllowed,
    #[error("SigningCertURL refused: {0}")]
    CertUrl(UrlError),
    #[error("SubscribeURL refused: {0}")]
    SubscribeUrl(UrlError),
    #[error("the signing certificate cannot be used: {0}")]
    Certificate(String),
    #[error("the signature does not match")]
    BadSignature,
    /// Older than the dedup window: a replay we could not tell apart.
    #[error("the message is too old")]
    TooOld,
    /// SNS refused to confirm the subscription (e.g. an expired token) (→ 422).
    #[error("SNS refused the confirmation: {0}")]
    ConfirmationRefused(String),
    /// SNS could not be reached for the certificate or the confirmation:
    /// SNS's retry may succeed (→ 503).
    #[error("SNS is unavailable: {0}")]
    Unavailable(String),
}
