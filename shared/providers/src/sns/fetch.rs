//! The two requests SNS verification makes: fetching a signing certificate
//! and confirming a subscription. Both go through [`SnsFetch`], so tests
//! supply the certificate and record the confirmation offline; production
//! uses [`HttpsSnsFetch`]. The URLs have passed the allow-list
//! ([`super::urls`]) before either is called.

use super::urls::{CertUrl, SubscribeUrl};
use async_trait::async_trait;
use std::sync::OnceLock;
use std::time::Duration;

/// The most a certificate may weigh (SNS's are about 2 KB).
pub const MAX_CERTIFICATE_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// No usable answer (timeout, connection, 5xx): SNS's retry may succeed.
    #[error("SNS did not answer: {0}")]
    Unavailable(String),
    /// SNS answered, and the answer is no (4xx, too large).
    #[error("SNS refused: {0}")]
    Refused(String),
}

#[async_trait]
pub trait SnsFetch: Send + Sync {
    /// The PEM the certificate URL serves.
    async fn certificate(&self, url: &CertUrl) -> Result<Vec<u8>, FetchError>;
    /// Visits the SubscribeURL, which confirms the subscription.
    async fn confirm_subscription(&self, url: &SubscribeUrl) -> Result<(), FetchError>;
}

/// [`SnsFetch`] over HTTPS only (reqwest + rustls), no redirects, a short
/// timeout and a size limit.
#[derive(Debug)]
pub struct HttpsSnsFetch {
    timeout: Duration,
    client: OnceLock<Result<reqwest::Client, String>>,
}

impl Default for HttpsSnsFetch {
    fn default() -> Self {
        Self::new(Duration::from_secs(5))
    }
}

impl HttpsSnsFetch {
    pub fn new(timeout: Duration) -> Self {
        HttpsSnsFetch {
            timeout,
            client: OnceLock::new(),
        }
    }

    /// Built on first use, so constructing the settings cannot fail; a
    /// client that cannot be built makes every fetch unavailable, loudly.
    fn client(&self) -> Result<&reqwest::Client, FetchError> {
        self.client
            .get_or_init(|| {
                reqwest::Client::builder()
                    .https_only(true)
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(self.timeout)
                    .connect_timeout(self.timeout)
                    .user_agent(concat!("myxelium/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| FetchError::Unavailable(format!("no HTTPS client: {e}")))
    }

    async fn get(&self, url: &str) -> Result<reqwest::Response, FetchError> {
        let response = self
            .client()?
            .get(url)
            .send()
            .await
            .map_err(|e| FetchError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(FetchError::Unavailable(format!("HTTP {}", status.as_u16())));
        }
        if !status.is_success() {
            return Err(FetchError::Refused(format!("HTTP {}", status.as_u16())));
        }
        Ok(response)
    }
}

#[async_trait]
impl SnsFetch for HttpsSnsFetch {
    async fn certificate(&self, url: &CertUrl) -> Result<Vec<u8>, FetchError> {
        let mut response = self.get(url.as_str()).await?;
        let too_large = || FetchError::Refused("the certificate is too large".into());
        if response
            .content_length()
            .is_some_and(|n| n > MAX_CERTIFICATE_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| FetchError::Unavailable(e.without_url().to_string()))?
        {
            if body.len() + chunk.len() > MAX_CERTIFICATE_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    async fn confirm_subscription(&self, url: &SubscribeUrl) -> Result<(), FetchError> {
        self.get(url.as_str()).await.map(|_| ())
    }
}
