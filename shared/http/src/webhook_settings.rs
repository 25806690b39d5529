//! The secrets the webhook routes verify requests with, and the tenant that
//! inbound SMS belong to. `Debug` redacts the secrets.

use myx_providers::sns::{HttpsSnsFetch, SnsFetch, SnsVerifier};
use myx_providers::{ProviderSettings, SvixSecret, ZoomWebhookSecret};
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct WebhookSettings {
    /// Verifies `X-Twilio-Signature` (the Twilio account's auth token).
    pub twilio_auth_token: Option<String>,
    /// Verifies Resend's Svix signatures (`RESEND_WEBHOOK_SECRET`).
    pub resend_secret: Option<SvixSecret>,
    /// Verifies Zoom's signatures (`ZOOM_WEBHOOK_SECRET_TOKEN`).
    pub zoom_secret: Option<ZoomWebhookSecret>,
    /// The tenant inbound SMS belong to, unless the signed webhook URL
    /// names one (`/v1/webhooks/twilio/inbound?tenant=...`).
    pub sms_tenant: Option<String>,
    /// Verifies SNS messages of SES events (the allowed topics, the
    /// certificate fetch and its cache).
    pub ses: Option<Arc<SnsVerifier>>,
}

impl fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |set: bool| if set { "<redacted>" } else { "<unset>" };
        f.debug_struct("WebhookSettings")
            .field(
                "twilio_auth_token",
                &redacted(self.twilio_auth_token.is_some()),
            )
            .field("resend_secret", &redacted(self.resend_secret.is_some()))
            .field("zoom_secret", &redacted(self.zoom_secret.is_some()))
            .field("sms_tenant", &self.sms_tenant)
            .field("ses", &self.ses)
            .finish()
    }
}

impl WebhookSettings {
    /// The webhook half of the provider settings. SNS certificates are
    /// fetched over HTTPS ([`HttpsSnsFetch`]).
    pub fn from_providers(settings: &ProviderSettings, sms_tenant: Option<String>) -> Self {
        Self::from_providers_with(settings, sms_tenant, Arc::new(HttpsSnsFetch::default()))
    }

    /// As [`Self::from_providers`], with SNS certificates and subscription
    /// confirmations going through `sns_fetch` (tests: in memory).
    pub fn from_providers_with(
        settings: &ProviderSettings,
        sms_tenant: Option<String>,
        sns_fetch: Arc<dyn SnsFetch>,
    ) -> Self {
        let topics = &settings.ses_events_topic_arns;
        WebhookSettings {
            twilio_auth_token: settings
                .twilio_auth_token
                .clone()
                .or_else(|| settings.twilio.as_ref().map(|t| t.auth_token.clone())),
            resend_secret: settings.resend_webhook_secret.clone(),
            zoom_secret: settings.zoom_webhook_secret.clone(),
            sms_tenant,
            ses: (!topics.is_empty())
                .then(|| Arc::new(SnsVerifier::new(topics.iter().cloned(), sns_fetch))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secrets() {
        let s = WebhookSettings {
            twilio_auth_token: Some("tw-token-123".into()),
            resend_secret: Some(SvixSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()),
            zoom_secret: ZoomWebhookSecret::new("zoom-secret-token-42"),
            sms_tenant: Some("dev".into()),
            ses: None,
        };
        let d = format!("{s:?}");
        assert!(!d.contains("tw-token-123") && !d.contains("MfKQ"), "{d}");
        assert!(!d.contains("zoom-secret-token-42"), "{d}");
        assert!(d.contains("dev"));
    }

    #[test]
    fn the_ses_webhook_is_configured_by_its_topics() {
        let none = WebhookSettings::from_providers(&ProviderSettings::default(), None);
        assert!(none.ses.is_none());
        let settings = ProviderSettings {
            ses_events_topic_arns: vec!["arn:aws:sns:us-east-1:123456789012:myx".into()],
            ..ProviderSettings::default()
        };
        let some = WebhookSettings::from_providers(&settings, None);
        assert_eq!(
            some.ses.as_ref().map(|v| v.topics().to_vec()),
            Some(vec!["arn:aws:sns:us-east-1:123456789012:myx".to_string()])
        );
    }
}
