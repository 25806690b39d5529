//! Tenants and their API keys (stored only as SHA-256).

use crate::engine::{Engine, EngineError};
use crate::keys::{self, sha256_hex};
use crate::ports::{Condition, Item};
use crate::records::{from_data, to_data, ApiKeyRecord, TenantRecord};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a tenant read stays in the cache. A tenant is configuration:
/// written when a process starts (the local stack, a Lambda cold start,
/// from the deployment's settings), then read by every send. A write
/// through [`put_tenant`] replaces this process's entry at once; the limit
/// bounds how long another process's change (an edit of the item by hand)
/// takes to show.
pub const TENANT_CACHE_TTL: Duration = Duration::from_secs(300);

/// The tenants this process read lately (see [`TENANT_CACHE_TTL`]).
#[derive(Default)]
pub struct TenantCache {
    entries: Mutex<HashMap<String, (Arc<TenantRecord>, Instant)>>,
}

impl TenantCache {
    fn get(&self, id: &str) -> Option<Arc<TenantRecord>> {
        let entries = self.entries.lock().ok()?;
        let (tenant, read_at) = entries.get(id)?;
        (read_at.elapsed() < TENANT_CACHE_TTL).then(|| Arc::clone(tenant))
    }

    fn insert(&self, tenant: Arc<TenantRecord>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(tenant.id.clone(), (tenant, Instant::now()));
        }
    }
}

/// Creates (or replaces) a tenant.
pub async fn put_tenant(engine: &Engine, tenant: &TenantRecord) -> Result<(), EngineError> {
    engine
        .store
        .put(
            Item::new(keys::tenant(&tenant.id), to_data(tenant)),
            Condition::None,
        )
        .await?;
    engine.tenants.insert(Arc::new(tenant.clone()));
    Ok(())
}

/// The tenant, from this process's cache when read in the last
/// [`TENANT_CACHE_TTL`].
pub async fn get_tenant(engine: &Engine, id: &str) -> Result<Arc<TenantRecord>, EngineError> {
    if let Some(tenant) = engine.tenants.get(id) {
        return Ok(tenant);
    }
    let item = engine
        .store
        .get(&keys::tenant(id))
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("tenant {id}")))?;
    let tenant = Arc::new(from_data::<TenantRecord>(&item)?);
    engine.tenants.insert(Arc::clone(&tenant));
    Ok(tenant)
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
