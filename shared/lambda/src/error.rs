//! Why a function could not start. Messages name settings and secrets,
//! never their values.

use myx_aws::{SecretsError, SettingsError};
use myx_engine::EngineError;
use myx_providers::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("settings: {0}")]
    Settings(#[from] SettingsError),
    #[error("app secret: {0}")]
    Secrets(#[from] SecretsError),
    #[error("app secret {secret_id} has no unsubscribeKey (the stack generates one)")]
    NoUnsubscribeKey { secret_id: String },
    #[error("provider settings from the app secret: {0}")]
    Providers(#[from] ConfigError),
    #[error("bootstrapping tenant {tenant}: {source}")]
    Bootstrap { tenant: String, source: EngineError },
}
