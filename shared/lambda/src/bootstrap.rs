//! The default tenant, from the stack's parameters: its record (business
//! name, postal address, sender address, the Twilio number) and the
//! secret's `adminApiKey` (stored only as its SHA-256). Written by the admin
//! function at each cold start, so an operator needs no hand-made table
//! items and a changed parameter takes effect with the next deploy. Both
//! writes are idempotent puts.

use crate::settings::LambdaSettings;
use myx_aws::AppSecrets;
use myx_engine::records::TenantRecord;
use myx_engine::{tenants, Engine, EngineError};

/// What the bootstrap wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrapped {
    pub tenant: bool,
    pub api_key: bool,
}

/// Writes the tenant when the stack names its business, postal address and
/// sender (the template always does), and the admin key when the secret
/// holds one.
pub async fn default_tenant(
    engine: &Engine,
    settings: &LambdaSettings,
    secrets: &AppSecrets,
) -> Result<Bootstrapped, EngineError> {
    let aws = &settings.aws;
    let mut done = Bootstrapped {
        tenant: false,
        api_key: false,
    };
    if let (Some(business_name), Some(postal_address), Some(sender_email)) =
        (&aws.business_name, &aws.postal_address, &aws.sender_address)
    {
        let record = TenantRecord {
            id: settings.tenant.clone(),
            business_name: business_name.clone(),
            postal_address: postal_address.clone(),
            sender_email: sender_email.clone(),
            sms_from: secrets
                .twilio_from
                .as_ref()
                .map(|from| from.expose().to_string()),
        };
        tenants::put_tenant(engine, &record).await?;
        done.tenant = true;
    }
    if let Some(key) = &secrets.admin_api_key {
        tenants::add_api_key(engine, &settings.tenant, key.expose()).await?;
        done.api_key = true;
    }
    Ok(done)
}
