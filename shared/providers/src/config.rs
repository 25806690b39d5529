//! Provider settings by their documented names (`TWILIO_ACCOUNT_SID`, ...),
//! from the environment (`myx dev`) or any other lookup (the Lambdas'
//! Secrets Manager secret, a JSON object with the same keys).

use crate::resend::ResendConfig;
use crate::svix::SvixSecret;
use crate::twilio::TwilioConfig;
use crate::zoom::{ZoomConfig, ZoomWebhookSecret};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {problem}")]
    Invalid { name: &'static str, problem: String },
    #[error("building the HTTP client: {0}")]
    Client(String),
}

/// Everything the provider adapters and webhooks need. `Debug` redacts secrets.
#[derive(Clone, Default)]
pub struct ProviderSettings {
    /// Send SMS through Twilio (needs the account SID and auth token).
    pub twilio: Option<TwilioConfig>,
    /// Verifies `X-Twilio-Signature` (the account's auth token).
    pub twilio_auth_token: Option<String>,
    /// Send email through Resend (needs `RESEND_API_KEY`).
    pub resend: Option<ResendConfig>,
    /// Verifies Resend's (Svix) webhook signatures.
    pub resend_webhook_secret: Option<SvixSecret>,
    /// The SNS topics SES events may come from (`SES_EVENTS_TOPIC_ARN`,
    /// comma-separated ARNs); empty: the SES webhook is not configured.
    pub ses_events_topic_arns: Vec<String>,
    /// Register Zoom events' registrants (a Server-to-Server OAuth app).
    pub zoom: Option<ZoomConfig>,
    /// Verifies Zoom's webhook signatures (`ZOOM_WEBHOOK_SECRET_TOKEN`).
    pub zoom_webhook_secret: Option<ZoomWebhookSecret>,
}

impl fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("twilio", &self.twilio)
            .field(
                "twilio_auth_token",
                &self.twilio_auth_token.as_ref().map(|_| "<redacted>"),
            )
            .field("resend", &self.resend)
            .field("resend_webhook_secret", &self.resend_webhook_secret)
            .field("ses_events_topic_arns", &self.ses_events_topic_arns)
            .field("zoom", &self.zoom)
            .field("zoom_webhook_secret", &self.zoom_webhook_secret)
            .finish()
    }
}

/// A value that is set and not blank.
pub(crate) fn non_empty(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl ProviderSettings {
    /// Reads every setting through `lookup` (e.g. `|k| std::env::var(k).ok()`).
    /// `public_url` is the base Twilio's status callback URL is built on.
    pub fn from_lookup(
        public_url: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let twilio = TwilioConfig::from_lookup(&lookup)?.map(|c| c.with_public_url(public_url));
        let twilio_auth_token = non_empty(&lookup, "TWILIO_AUTH_TOKEN");
        let resend = ResendConfig::from_lookup(&lookup)?;
        let resend_webhook_secret = non_empty(&lookup, "RESEND_WEBHOOK_SECRET")
            .map(|s| {
                SvixSecret::new(&s).map_err(|e| ConfigError::Invalid {
                    name: "RESEND_WEBHOOK_SECRET",
                    problem: e.to_string(),
                })
            })
            .transpose()?;
        let ses_events_topic_arns = match non_empty(&lookup, "SES_EVENTS_TOPIC_ARN") {
            Some(list) => topic_arns("SES_EVENTS_TOPIC_ARN", &list)?,
            None => Vec::new(),
        };
        let zoom = ZoomConfig::from_lookup(&lookup)?;
        let zoom_webhook_secret = non_empty(&lookup, "ZOOM_WEBHOOK_SECRET_TOKEN")
            .and_then(|t| ZoomWebhookSecret::new(&t));
        Ok(ProviderSettings {
            twilio,
            twilio_auth_token,
            resend,
            resend_webhook_secret,
            ses_events_topic_arns,
            zoom,
            zoom_webhook_secret,
        })
    }

    /// [`Self::from_lookup`] over the process environment.
    pub fn from_env(public_url: &str) -> Result<Self, ConfigError> {
        Self::from_lookup(public_url, |k| std::env::var(k).ok())
    }
}

/// Comma-separated SNS topic ARNs: `arn:<partition>:sns:<region>:<account>:<name>`.
fn topic_arns(name: &'static str, list: &str) -> Result<Vec<String>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|arn| {
            let parts: Vec<&str> = arn.split(':').collect();
            let ok = parts.len() == 6
                && parts[0] == "arn"
                && parts[1].starts_with("aws")
                && parts[2] == "sns"
                && !parts[3].is_empty()
                && parts[4].len() == 12
                && parts[4].bytes().all(|b| b.is_ascii_digit())
                && !parts[5].is_empty();
            if ok {
                Ok(arn.to_string())
            } else {
                Err(ConfigError::Invalid {
                    name,
                    problem: format!(
                        "{:?} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)",
                        arn.chars().take(100).collect::<String>()
                    ),
                })
            }
        })
        .collect()
}

/// A base URL without a trailing slash; only http(s).
pub(crate) fn base_url(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let parsed = url::Url::parse(value).map_err(|e| ConfigError::Invalid {
        name,
        problem: format!("not a URL: {e}"),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ConfigError::Invalid {
            name,
            problem: "must be an http(s) URL".into(),
        });
    }
    Ok(value.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn nothing_set_means_no_provider() {
        let s = ProviderSettings::from_lookup("http://127.0.0.1:3000", lookup(&[])).unwrap();
        assert!(s.twilio.is_none() && s.resend.is_none() && s.zoom.is_none());
        assert!(s.twilio_auth_token.is_none() && s.resend_webhook_secret.is_none());
        assert!(s.zoom_webhook_secret.is_none());
        assert!(s.ses_events_topic_arns.is_empty());
    }

    #[test]
    fn ses_topic_arns_are_a_checked_comma_separated_list() {
        let s = ProviderSettings::from_lookup(
            "http://x",
            lookup(&[(
                "SES_EVENTS_TOPIC_ARN",
                " arn:aws:sns:us-east-1:123456789012:myx-ses , arn:aws-cn:sns:cn-north-1:123456789012:b",
            )]),
        )
        .unwrap();
        assert_eq!(
            s.ses_events_topic_arns,
            [
                "arn:aws:sns:us-east-1:123456789012:myx-ses",
                "arn:aws-cn:sns:cn-north-1:123456789012:b"
            ]
        );
        for bad in [
            "myx-ses",
            "arn:aws:sqs:us-east-1:123456789012:q",
            "arn:aws:sns:us-east-1:1234:t",
            "arn:aws:sns:us-east-1:123456789012:",
        ] {
            let e =
                ProviderSettings::from_lookup("http://x", lookup(&[("SES_EVENTS_TOPIC_ARN", bad)]))
                    .unwrap_err();
            assert!(e.to_string().contains("SES_EVENTS_TOPIC_ARN"), "{bad}: {e}");
        }
    }

    #[test]
    fn settings_are_read_by_their_documented_names_and_debug_redacts() {
        let s = ProviderSettings::from_lookup(
            "https://myx.example.com/",
            lookup(&[
                ("TWILIO_ACCOUNT_SID", "AC123"),
                ("TWILIO_AUTH_TOKEN", "tw-secret-token"),
                ("TWILIO_FROM", "+15005550006"),
                ("TWILIO_API_BASE", "http://127.0.0.1:9/"),
                ("RESEND_API_KEY", "re_secret_key"),
                (
                    "RESEND_WEBHOOK_SECRET",
                    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                ),
            ]),
        )
        .unwrap();
        let twilio = s.twilio.as_ref().unwrap();
        assert_eq!(twilio.account_sid, "AC123");
        assert_eq!(twilio.api_base, "http://127.0.0.1:9");
        assert_eq!(
            twilio.status_callback.as_deref(),
            Some("https://myx.example.com/v1/webhooks/twilio/status")
        );
        assert_eq!(
            s.resend.as_ref().unwrap().api_base,
            "https://api.resend.com"
        );
        let debug = format!("{s:?}");
        for secret in ["tw-secret-token", "re_secret_key", "MfKQ9r8"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }

    #[test]
    fn zoom_settings_are_read_by_their_documented_names() {
        let s = ProviderSettings::from_lookup(
            "http://x",
            lookup(&[
                ("ZOOM_ACCOUNT_ID", "acct-1"),
                ("ZOOM_CLIENT_ID", "client-1"),
                ("ZOOM_CLIENT_SECRET", "zoom-client-secret"),
                ("ZOOM_WEBHOOK_SECRET_TOKEN", "zoom-webhook-token"),
            ]),
        )
        .unwrap();
        let zoom = s.zoom.as_ref().unwrap();
        assert_eq!(
            (zoom.account_id.as_str(), zoom.client_id.as_str()),
            ("acct-1", "client-1")
        );
        assert_eq!(zoom.api_base, "https://api.zoom.us/v2");
        assert_eq!(zoom.oauth_url, "https://zoom.us/oauth/token");
        assert!(s.zoom_webhook_secret.is_some());
        let debug = format!("{s:?}");
        assert!(!debug.contains("zoom-client-secret") && !debug.contains("zoom-webhook-token"));
        let s = ProviderSettings::from_lookup(
            "http://x",
            lookup(&[
                ("ZOOM_ACCOUNT_ID", "a"),
                ("ZOOM_CLIENT_ID", "c"),
                ("ZOOM_CLIENT_SECRET", "s"),
                ("ZOOM_API_BASE", "http://127.0.0.1:9/v2/"),
                ("ZOOM_OAUTH_URL", "http://127.0.0.1:9/oauth/token"),
            ]),
        )
        .unwrap();
        let zoom = s.zoom.unwrap();
        assert_eq!(zoom.api_base, "http://127.0.0.1:9/v2");
        assert_eq!(zoom.oauth_url, "http://127.0.0.1:9/oauth/token");
    }

    #[test]
    fn partial_zoom_credentials_are_refused_by_name() {
        let e = ProviderSettings::from_lookup(
            "http://x",
            lookup(&[("ZOOM_ACCOUNT_ID", "a"), ("ZOOM_CLIENT_SECRET", "s")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("ZOOM_CLIENT_ID"), "{e}");
        let e = ProviderSettings::from_lookup(
            "http://x",
            lookup(&[
                ("ZOOM_ACCOUNT_ID", "a"),
                ("ZOOM_CLIENT_ID", "c"),
                ("ZOOM_CLIENT_SECRET", "s"),
                ("ZOOM_OAUTH_URL", "zoom.us/oauth/token"),
            ]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("ZOOM_OAUTH_URL"), "{e}");
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        let e = ProviderSettings::from_lookup(
            "http://x",
            lookup(&[("RESEND_WEBHOOK_SECRET", "whsec_!!!not base64")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("RESEND_WEBHOOK_SECRET"), "{e}");
        let e = ProviderSettings::from_lookup(
            "http://x",
            lookup(&[
                ("TWILIO_ACCOUNT_SID", "AC1"),
                ("TWILIO_AUTH_TOKEN", "t"),
                ("TWILIO_API_BASE", "ftp://example.com"),
            ]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("TWILIO_API_BASE"), "{e}");
    }
}
