//! Tenants and their API keys (stored only as SHA-256).

use crate::engine::{Engine, EngineError};
use crate::keys::{self, sha256_hex};
use crate::ports::{Condition, Item};
use crate::records::{from_data, to_data, ApiKeyRecord, TenantRecord};

/// Creates (or replaces) a tenant.
pub async fn put_tenant(engine: &Engine, tenant: &TenantRecord) -> Result<(), EngineError> {
    engine
        .store
        .put(
            Item::new(keys::tenant(&tenant.id), to_data(tenant)),
            Condition::None,
        )
        .await?;
    Ok(())
}

pub async fn get_tenant(engine: &Engine, id: &str) -> Result<TenantRecord, EngineError> {
    let item = engine
        .store
        .get(&keys::tenant(id))
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("tenant {id}")))?;
    Ok(from_data(&item)?)
}

/// Registers an API key for a tenant; only its hash is kept.
pub async fn add_api_key(
    engine: &Engine,
    tenant_id: &str,
    api_key: &str,
) -> Result<(), EngineError> {
    let record = ApiKeyRecord {
        tenant_id: tenant_id.to_string(),
        created_at: engine.clock.now(),
    };
    engine
        .store
        .put(
            Item::new(keys::api_key(&sha256_hex(api_key)), to_data(&record)),
            Condition::None,
        )
        .await?;
    Ok(())
}

/// The tenant an API key belongs to, or `Unauthorized`.
pub async fn authenticate(engine: &Engine, api_key: &str) -> Result<String, EngineError> {
    if api_key.is_empty() || api_key.len() > 512 {
        return Err(EngineError::Unauthorized);
    }
    let item = engine
        .store
        .get(&keys::api_key(&sha256_hex(api_key)))
        .await?
        .ok_or(EngineError::Unauthorized)?;
    Ok(from_data::<ApiKeyRecord>(&item)?.tenant_id)
}
