//! An SNS message verified in order, cheapest first, before anything is
//! fetched: parsed, its topic one we accept, a signature version we know,
//! a certificate URL on the allow-list, not older than the dedup window;
//! then the certificate (cached), its validity and the signature.

use super::cache::CertCache;
use super::certificate::SigningCert;
use super::fetch::{FetchError, SnsFetch};
use super::message::{MessageType, SnsMessage};
use super::urls::{CertUrl, SubscribeUrl};
use super::SnsError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use myx_engine::webhooks::dedup::DEDUP_TTL;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A message whose signature, topic and age have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedMessage(SnsMessage);

impl Deref for VerifiedMessage {
    type Target = SnsMessage;
    fn deref(&self) -> &SnsMessage {
        &self.0
    }
}

pub struct SnsVerifier {
    topics: Vec<String>,
    fetch: Arc<dyn SnsFetch>,
    cache: CertCache,
    max_age: SignedDuration,
}

impl fmt::Debug for SnsVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnsVerifier")
            .field("topics", &self.topics)
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

impl SnsVerifier {
    /// Accepts messages from `topics` (exact ARNs) only. Messages older than
    /// the webhook dedup window are refused, so a replay is never processed
    /// twice.
    pub fn new(topics: impl IntoIterator<Item = String>, fetch: Arc<dyn SnsFetch>) -> Self {
        SnsVerifier {
            topics: topics.into_iter().collect(),
            fetch,
            cache: CertCache::default(),
            max_age: DEDUP_TTL,
        }
    }

    pub fn with_max_age(mut self, max_age: SignedDuration) -> Self {
        self.max_age = max_age;
        self
    }

    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    /// Certificates cached so far.
    pub fn cached_certificates(&self) -> usize {
        self.cache.len()
    }

    /// Parses and verifies a body as received at `now`.
    pub async fn verify(&self, body: &[u8], now: Timestamp) -> Result<VerifiedMessage, SnsError> {
        let message = SnsMessage::parse(body)?;
        if !self.topics.contains(&message.topic_arn) {
            return Err(SnsError::TopicNotAllowed);
        }
        let version = message.signature_version()?;
        let cert_url = CertUrl::parse(&message.signing_cert_url).map_err(SnsError::CertUrl)?;
        let sent: Timestamp = message
            .timestamp
            .parse()
            .map_err(|_| SnsError::Malformed("Timestamp is not an RFC 3339 time".into()))?;
        if sent < now - self.max_age {
            return Err(SnsError::TooOld);
        }
        let signature = STANDARD
            .decode(message.signature.trim())
            .map_err(|_| SnsError::BadSignature)?;
        let cert = self.certificate(&cert_url, now).await?;
        if !cert.is_valid_at(now) {
            return Err(SnsError::Certificate("outside its validity period".into()));
        }
        if !cert.verifies(version, message.string_to_sign().as_bytes(), &signature) {
            return Err(SnsError::BadSignature);
        }
        Ok(VerifiedMessage(message))
    }

    /// Confirms a verified SubscriptionConfirmation by visiting its
    /// SubscribeURL (allow-listed first).
    pub async fn confirm(&self, message: &VerifiedMessage) -> Result<(), SnsError> {
        if message.kind != MessageType::SubscriptionConfirmation {
            return Err(SnsError::Malformed(
                "only a SubscriptionConfirmation is confirmed".into(),
            ));
        }
        let url = SubscribeUrl::parse(message.subscribe_url.as_deref().unwrap_or(""))
            .map_err(SnsError::SubscribeUrl)?;
        self.fetch
            .confirm_subscription(&url)
            .await
            .map_err(|e| match e {
                FetchError::Unavailable(m) => SnsError::Unavailable(m),
                FetchError::Refused(m) => SnsError::ConfirmationRefused(m),
            })?;
        tracing::info!(host = url.host(), topic = %message.topic_arn, "SNS subscription confirmed");
        Ok(())
    }

    async fn certificate(
        &self,
        url: &CertUrl,
        now: Timestamp,
    ) -> Result<Arc<SigningCert>, SnsError> {
        if let Some(cert) = self.cache.get(url, now) {
            return Ok(cert);
        }
        let pem = self.fetch.certificate(url).await.map_err(|e| match e {
            FetchError::Unavailable(m) => SnsError::Unavailable(m),
            FetchError::Refused(m) => SnsError::Certificate(m),
        })?;
        let cert = Arc::new(
            SigningCert::from_pem(&pem).map_err(|e| SnsError::Certificate(e.to_string()))?,
        );
        tracing::debug!(host = url.host(), "SNS signing certificate fetched");
        self.cache.put(url, cert.clone());
        Ok(cert)
    }
}
