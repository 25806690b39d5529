//! Zoom settings: a Server-to-Server OAuth app's account id, client id and
//! secret (`ZOOM_ACCOUNT_ID`, `ZOOM_CLIENT_ID`, `ZOOM_CLIENT_SECRET`), and
//! where its API and token endpoint are (`ZOOM_API_BASE`, `ZOOM_OAUTH_URL`;
//! local stubs in tests and `myx dev`).

use crate::config::{base_url, non_empty, ConfigError};
use std::fmt;
use std::time::Duration;

pub const DEFAULT_API_BASE: &str = "https://api.zoom.us/v2";
pub const DEFAULT_OAUTH_URL: &str = "https://zoom.us/oauth/token";

#[derive(Clone, PartialEq, Eq)]
pub struct ZoomConfig {
    pub account_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// Without a trailing slash, e.g. `https://api.zoom.us/v2`.
    pub api_base: String,
    /// The token endpoint, e.g. `https://zoom.us/oauth/token`.
    pub oauth_url: String,
    /// For each request (token and API alike).
    pub timeout: Duration,
}

impl fmt::Debug for ZoomConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomConfig")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("oauth_url", &self.oauth_url)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl ZoomConfig {
    pub fn new(
        account_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        ZoomConfig {
            account_id: account_id.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            api_base: DEFAULT_API_BASE.into(),
            oauth_url: DEFAULT_OAUTH_URL.into(),
            timeout: Duration::from_secs(10),
        }
    }

    /// `None` unless the account id, client id and secret are all set; some
    /// but not all of them is a mistake worth refusing to start over.
    pub fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let names = ["ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"];
        let values = names.map(|n| non_empty(lookup, n));
        let [Some(account), Some(client), Some(secret)] = values.clone() else {
            if let Some(i) = values.iter().position(Option::is_none) {
                if values.iter().any(Option::is_some) {
                    return Err(ConfigError::Invalid {
                        name: names[i],
                        problem: "is required with the other ZOOM_* credentials".into(),
                    });
                }
            }
            return Ok(None);
        };
        let mut config = ZoomConfig::new(account, client, secret);
        if let Some(base) = non_empty(lookup, "ZOOM_API_BASE") {
            config.api_base = base_url("ZOOM_API_BASE", &base)?;
        }
        if let Some(url) = non_empty(lookup, "ZOOM_OAUTH_URL") {
            config.oauth_url = base_url("ZOOM_OAUTH_URL", &url)?;
        }
        Ok(Some(config))
    }

    /// Points both the API and the token endpoint at a stub server:
    /// `{base}/v2` and `{base}/oauth/token`.
    pub fn with_stub(mut self, base: &str) -> Self {
        let base = base.trim_end_matches('/');
        self.api_base = format!("{base}/v2");
        self.oauth_url = format!("{base}/oauth/token");
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}
