//! The app's secrets: one Secrets Manager secret holding a JSON object,
//! read on first use and kept for the life of the process (a Lambda cold
//! start). A failed read is not cached, so the next call tries again.
//!
//! No value ever reaches a log or an error message: `Debug` shows only
//! which secrets are set, and a JSON error reports its position, not the
//! text around it.
//!
//! An empty (or blank) value counts as unset, like a missing key: an
//! operator clearing a provider's credential in the console leaves `""`
//! behind, and an empty credential must never be used (an empty webhook
//! secret would verify forged signatures).

use crate::aws_error::classify;
use aws_config::SdkConfig;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use aws_sdk_secretsmanager::Client;
use myx_compose::UnsubscribeKey;
use serde::Deserialize;
use std::fmt;
use tokio::sync::OnceCell;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    #[error("secret {secret_id} does not exist")]
    NotFound { secret_id: String },
    #[error("secret {secret_id} holds no string (binary secrets are not supported)")]
    NotAString { secret_id: String },
    #[error("secret {secret_id} is not a JSON object of strings: {reason}")]
    BadJson { secret_id: String, reason: String },
    #[error("secret {secret_id}: unsubscribeKey is unusable: {reason}")]
    BadUnsubscribeKey { secret_id: String, reason: String },
    #[error("cannot read secret {secret_id}: {message}")]
    Unavailable { secret_id: String, message: String },
}

/// A secret string whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The value itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Everything the functions may need; each is optional because each
/// function needs only some (and a deployment may not use Twilio, say).
#[derive(Debug, Clone, Default)]
pub struct AppSecrets {
    /// Signs unsubscribe tokens (at least 32 bytes).
    pub unsubscribe_key: Option<UnsubscribeKey>,
    pub twilio_account_sid: Option<SecretString>,
    pub twilio_auth_token: Option<SecretString>,
    pub twilio_from: Option<SecretString>,
    pub zoom_account_id: Option<SecretString>,
    pub zoom_client_id: Option<SecretString>,
    pub zoom_client_secret: Option<SecretString>,
    pub zoom_webhook_secret_token: Option<SecretString>,
    pub resend_api_key: Option<SecretString>,
    pub resend_webhook_secret: Option<SecretString>,
    /// The default tenant's admin API key: registered (as its SHA-256) when
    /// a function starts, so operators need no hand-written table items.
    pub admin_api_key: Option<SecretString>,
}

/// The secret's JSON. Unknown fields are ignored: other tools may keep
/// their own values in the same secret.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SecretJson {
    unsubscribe_key: Option<String>,
    twilio_account_sid: Option<String>,
    twilio_auth_token: Option<String>,
    twilio_from: Option<String>,
    zoom_account_id: Option<String>,
    zoom_client_id: Option<String>,
    zoom_client_secret: Option<String>,
    zoom_webhook_secret_token: Option<String>,
    resend_api_key: Option<String>,
    resend_webhook_secret: Option<String>,
    admin_api_key: Option<String>,
}

/// `None` for a missing, empty or blank value.
fn set(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl AppSecrets {
    /// Parses the secret's text. `secret_id` only names it in errors.
    pub fn from_json(secret_id: &str, text: &str) -> Result<AppSecrets, SecretsError> {
        let json: SecretJson = serde_json::from_str(text).map_err(|e| SecretsError::BadJson {
            secret_id: secret_id.to_string(),
            // serde's message may quote the value: report where and what kind.
            reason: format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ),
        })?;
        let unsubscribe_key = set(json.unsubscribe_key)
            .map(|key| {
                UnsubscribeKey::new(key.as_bytes()).map_err(|e| SecretsError::BadUnsubscribeKey {
                    secret_id: secret_id.to_string(),
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        let secret = |value: Option<String>| set(value).map(SecretString);
        Ok(AppSecrets {
            unsubscribe_key,
            twilio_account_sid: secret(json.twilio_account_sid),
            twilio_auth_token: secret(json.twilio_auth_token),
            twilio_from: secret(json.twilio_from),
            zoom_account_id: secret(json.zoom_account_id),
            zoom_client_id: secret(json.zoom_client_id),
            zoom_client_secret: secret(json.zoom_client_secret),
            zoom_webhook_secret_token: secret(json.zoom_webhook_secret_token),
            resend_api_key: secret(json.resend_api_key),
            resend_webhook_secret: secret(json.resend_webhook_secret),
            admin_api_key: secret(json.admin_api_key),
        })
    }
}

/// Reads the secret `secret_id` once and hands out the parsed result.
#[derive(Debug)]
pub struct SecretsCache {
    client: Client,
    secret_id: String,
    secrets: OnceCell<AppSecrets>,
}

impl SecretsCache {
    pub fn new(config: &SdkConfig, secret_id: impl Into<String>) -> Self {
        Self::from_client(Client::new(config), secret_id)
    }

    pub fn from_client(client: Client, secret_id: impl Into<String>) -> Self {
        SecretsCache {
            client,
            secret_id: secret_id.into(),
            secrets: OnceCell::new(),
        }
    }

    /// The secrets, read from Secrets Manager on the first call only.
    pub async fn get(&self) -> Result<&AppSecrets, SecretsError> {
        self.secrets.get_or_try_init(|| self.load()).await
    }

    async fn load(&self) -> Result<AppSecrets, SecretsError> {
        let secret_id = self.secret_id.clone();
        let output = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|e| {
                if matches!(
                    e.as_service_error(),
                    Some(GetSecretValueError::ResourceNotFoundException(_))
                ) {
                    return SecretsError::NotFound {
                        secret_id: secret_id.clone(),
                    };
                }
                let failure = classify(&e);
                tracing::warn!(secret_id = %secret_id, error = %failure.summary, "cannot read the secret");
                SecretsError::Unavailable {
                    secret_id: secret_id.clone(),
                    message: failure.summary,
                }
            })?;
        let text = output
            .secret_string()
            .ok_or_else(|| SecretsError::NotAString {
                secret_id: secret_id.clone(),
            })?;
        let secrets = AppSecrets::from_json(&secret_id, text)?;
        tracing::info!(secret_id = %secret_id, "secrets loaded");
        Ok(secrets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_known_fields_and_ignores_others() {
        let text = format!(r#"{{"unsubscribeKey":"{KEY}","twilioAuthToken":"tok","other":1}}"#);
        let secrets = AppSecrets::from_json("s", &text).unwrap();
        assert!(secrets.unsubscribe_key.is_some());
        assert_eq!(
            secrets.twilio_auth_token.as_ref().map(SecretString::expose),
            Some("tok")
        );
        assert!(secrets.zoom_client_secret.is_none());
    }

    #[test]
    fn debug_and_errors_never_show_values() {
        let text = format!(r#"{{"unsubscribeKey":"{KEY}","resendApiKey":"re_secret"}}"#);
        let secrets = AppSecrets::from_json("s", &text).unwrap();
        let debug = format!("{secrets:?}");
        assert!(
            !debug.contains("re_secret") && !debug.contains(KEY),
            "{debug}"
        );
        assert!(
            debug.contains("resend_api_key: Some(<redacted>)"),
            "{debug}"
        );

        let error = AppSecrets::from_json("s", r#"{"resendApiKey": 12345678}"#).unwrap_err();
        assert!(matches!(error, SecretsError::BadJson { .. }));
        assert!(!error.to_string().contains("12345678"), "{error}");

        let error = AppSecrets::from_json("s", r#"{"unsubscribeKey":"short-key"}"#).unwrap_err();
        assert!(matches!(error, SecretsError::BadUnsubscribeKey { .. }));
        assert!(!error.to_string().contains("short-key"), "{error}");
    }

    #[test]
    fn empty_and_blank_values_count_as_unset() {
        let text = r#"{"unsubscribeKey":"","twilioAuthToken":"  ","resendWebhookSecret":"",
            "adminApiKey":"","zoomClientId":null,"resendApiKey":"re_x"}"#;
        let secrets = AppSecrets::from_json("s", text).unwrap();
        assert!(secrets.unsubscribe_key.is_none(), "an empty key is no key");
        assert!(secrets.twilio_auth_token.is_none());
        assert!(secrets.resend_webhook_secret.is_none());
        assert!(secrets.admin_api_key.is_none());
        assert!(secrets.zoom_client_id.is_none());
        assert_eq!(
            secrets.resend_api_key.as_ref().map(SecretString::expose),
            Some("re_x")
        );
    }

    #[test]
    fn not_an_object_is_bad_json() {
        for text in ["", "[]", "\"text\"", "{"] {
            assert!(matches!(
                AppSecrets::from_json("s", text),
                Err(SecretsError::BadJson { .. })
            ));
        }
    }
}
