//! Server-to-Server OAuth: `POST {oauth_url}` with HTTP basic auth
//! (client id : client secret) and the form
//! `grant_type=account_credentials&account_id={account}`. Zoom answers
//! `{"access_token", "token_type": "bearer", "expires_in": 3600, ...}`;
//! there is no refresh token, a new one is simply requested.
//!
//! The token is cached until [`REFRESH_MARGIN`] before it expires, by the
//! clock port (so tests move time with `ManualClock`). One request at a
//! time fetches: concurrent callers wait for it instead of each asking Zoom.

use super::config::ZoomConfig;
use super::errors::token_refused;
use crate::http::{describe_transport, retry_after_secs};
use jiff::{SignedDuration, Timestamp};
use myx_engine::{Clock, ConferencingError};
use serde::Deserialize;
use std::fmt;
use std::sync::Arc;
use tokio::sync::Mutex;

/// A cached token is replaced this long before Zoom's expiry, so a call
/// never sets out with a token about to lapse.
pub const REFRESH_MARGIN: SignedDuration = SignedDuration::from_mins(5);
/// Zoom's documented lifetime, used when an answer leaves `expires_in` out.
pub const DEFAULT_LIFETIME: SignedDuration = SignedDuration::from_hours(1);

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<i64>,
}

struct Cached {
    access_token: String,
    /// Used until this instant, then replaced.
    refresh_at: Timestamp,
}

/// Hands out a valid access token, asking Zoom only when needed.
pub struct ZoomTokens {
    config: Arc<ZoomConfig>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    cached: Mutex<Option<Cached>>,
}

impl fmt::Debug for ZoomTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomTokens").finish_non_exhaustive()
    }
}

impl ZoomTokens {
    pub(crate) fn new(
        config: Arc<ZoomConfig>,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> Self {
        ZoomTokens {
            config,
            http,
            clock,
            cached: Mutex::new(None),
        }
    }

    /// The cached token while it is fresh, else a new one from Zoom.
    pub async fn access_token(&self) -> Result<String, ConferencingError> {
        let mut cached = self.cached.lock().await;
        let now = self.clock.now();
        if let Some(c) = cached.as_ref().filter(|c| now < c.refresh_at) {
            return Ok(c.access_token.clone());
        }
        let (token, lifetime) = self.fetch().await?;
        // Measured from after the answer: the clock may have moved meanwhile.
        let refresh_at = self
            .clock
            .now()
            .checked_add(lifetime - REFRESH_MARGIN)
            .unwrap_or(now);
        *cached = Some(Cached {
            access_token: token.clone(),
            refresh_at,
        });
        tracing::debug!(
            lifetime_secs = lifetime.as_secs(),
            "zoom access token fetched"
        );
        Ok(token)
    }

    /// Forgets `token` (Zoom refused it before its time), so the next call
    /// fetches a new one. A newer token someone else fetched is kept.
    pub async fn invalidate(&self, token: &str) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| c.access_token == token) {
            *cached = None;
        }
    }

    async fn fetch(&self) -> Result<(String, SignedDuration), ConferencingError> {
        let response = self
            .http
            .post(&self.config.oauth_url)
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
            .form(&[
                ("grant_type", "account_credentials"),
                ("account_id", self.config.account_id.as_str()),
            ])
            .send()
            .await
            .map_err(|e| ConferencingError::Unavailable(describe_transport("zoom oauth", e)))?;
        let status = response.status();
        let retry_after = retry_after_secs(response.headers());
        if !status.is_success() {
            let body = response.bytes().await.unwrap_or_default();
            return Err(token_refused(status, retry_after, &body));
        }
        let answer: TokenAnswer = response.json().await.map_err(|_| {
            ConferencingError::Unavailable("zoom's token answer is not the expected JSON".into())
        })?;
        let token = answer
            .access_token
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                ConferencingError::Unavailable("zoom's token answer has no access_token".into())
            })?;
        let lifetime = answer
            .expires_in
            .filter(|s| *s > 0)
            .map(SignedDuration::from_secs)
            .unwrap_or(DEFAULT_LIFETIME);
        Ok((token, lifetime))
    }
}
