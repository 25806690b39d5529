//! Which provider sends what: the app secret's credentials, read under the
//! names myx-providers documents (`TWILIO_ACCOUNT_SID`, ...), decide it.
//! Email goes through Resend when `resendApiKey` is set, else SES; SMS
//! through Twilio when its account SID and auth token are set, else nowhere
//! (an SMS step then fails permanently and the timeline says why).

use crate::settings::LambdaSettings;
use myx_aws::{AppSecrets, SecretString};
use myx_engine::{EmailSender, OutgoingSms, SendError, Sent, SmsSender};
use myx_providers::{ConfigError, ProviderSettings, ResendEmail, TwilioSms};
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
        "TWILIO_API_BASE" => settings.twilio_api_base.clone(),
        "RESEND_API_KEY" => expose(&secrets.resend_api_key),
        "RESEND_WEBHOOK_SECRET" => expose(&secrets.resend_webhook_secret),
        "RESEND_API_BASE" => settings.resend_api_base.clone(),
        _ => None,
    })
}

/// Resend when configured, else `ses` (built only when needed).
pub fn email_sender(
    providers: &ProviderSettings,
    ses: impl FnOnce() -> myx_aws::SesSender,
) -> Result<Arc<dyn EmailSender>, ConfigError> {
    Ok(match &providers.resend {
        Some(config) => Arc::new(ResendEmail::new(config.clone())?),
        None => Arc::new(ses()),
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
