//! Which provider sends what: the app secret's credentials, read under the
//! names myx-providers documents (`TWILIO_ACCOUNT_SID`, ...), decide it.
//! Email goes through SES, failing over to Resend on transient errors when
//! `resendApiKey` is set (myx-providers' `failover`, a breaker per
//! provider); SMS through Twilio when its account SID and auth token are
//! set, else nowhere (an SMS step then fails permanently and the timeline
//! says why). Zoom registrants when the Zoom app's credentials are set.

use crate::settings::LambdaSettings;
use myx_aws::{AppSecrets, SecretString};
use myx_engine::{
    Clock, Conferencing, EmailSender, NoConferencing, OutgoingSms, SendError, Sent, SmsSender,
};
use myx_providers::{
    failover, ConfigError, ProviderSettings, ResendEmail, TwilioSms, ZoomConferencing,
};
use std::sync::Arc;

/// The provider settings the secret and the settings describe.
pub fn provider_settings(
    settings: &LambdaSettings,
    secrets: &AppSecrets,
) -> Result<ProviderSettings, ConfigError> {
    let expose = |s: &Option<SecretString>| s.as_ref().map(|v| v.expose().to_string());
    ProviderSettings::from_lookup(&settings.aws.public_url, |name| match name {
        "TWILIO_ACCOUNT_SID" => expose(&secrets.twilio_account_sid),
        "TWILIO_AUTH_TOKEN" => expose(&secrets.twilio_auth_token),
        "TWILIO_FROM" => expose(&secrets.twilio_from),
        "RESEND_API_KEY" => expose(&secrets.resend_api_key),
        "RESEND_WEBHOOK_SECRET" => expose(&secrets.resend_webhook_secret),
        "ZOOM_ACCOUNT_ID" => expose(&secrets.zoom_account_id),
        "ZOOM_CLIENT_ID" => expose(&secrets.zoom_client_id),
        "ZOOM_CLIENT_SECRET" => expose(&secrets.zoom_client_secret),
        "ZOOM_WEBHOOK_SECRET_TOKEN" => expose(&secrets.zoom_webhook_secret_token),
        // Credentials only ever come from the secret; the rest from the
        // environment.
        other => settings.provider_environment.get(other).cloned(),
    })
}

/// SES, then Resend when configured: a transient SES failure (throttling,
/// an outage) is retried on Resend at once; each provider has a breaker.
pub fn email_sender(
    providers: &ProviderSettings,
    ses: myx_aws::SesSender,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn EmailSender>, ConfigError> {
    let mut ordered: Vec<(&str, Arc<dyn EmailSender>)> = vec![("ses", Arc::new(ses))];
    if let Some(config) = &providers.resend {
        ordered.push((
            myx_providers::resend::client::PROVIDER,
            Arc::new(ResendEmail::new(config.clone())?),
        ));
    }
    failover::email(clock, ordered).ok_or_else(|| ConfigError::Invalid {
        name: "email providers",
        problem: "none configured".into(),
    })
}

/// Zoom when its app's credentials are set, else [`NoConferencing`] (a Zoom
/// event's enrollment then answers 503 and nothing is written).
pub fn conferencing(
    providers: &ProviderSettings,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn Conferencing>, ConfigError> {
    Ok(match &providers.zoom {
        Some(config) => Arc::new(ZoomConferencing::new(config.clone(), clock)?),
        None => Arc::new(NoConferencing),
    })
}

/// Twilio when configured, else [`NoSmsProvider`].
pub fn sms_sender(providers: &ProviderSettings) -> Result<Arc<dyn SmsSender>, ConfigError> {
    Ok(match &providers.twilio {
        Some(config) => Arc::new(TwilioSms::new(config.clone())?),
        None => Arc::new(NoSmsProvider),
    })
}

/// Refuses every SMS: no Twilio credentials are in the app secret. Permanent,
/// because a retry in a minute will not find them either.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSmsProvider;

#[async_trait::async_trait]
impl SmsSender for NoSmsProvider {
    async fn send_sms(&self, _: &OutgoingSms) -> Result<Sent, SendError> {
        Err(SendError::Permanent(
            "no SMS provider: add twilioAccountSid and twilioAuthToken to the app secret".into(),
        ))
    }
}
