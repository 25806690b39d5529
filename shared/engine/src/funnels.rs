//! Funnel versions: stored validated and immutable; events pin one. Parsed
//! funnels are cached by (tenant, id, version) since versions never change.

use crate::engine::{Engine, EngineError, FieldError};
use crate::keys;
use crate::ports::{Condition, Item, QueryOptions, WriteOp};
use crate::records::{from_data, to_data, FunnelHead, FunnelVersionRecord};
use myx_core::funnel::load::load_doc;
use myx_core::{load_funnel, Funnel, SourceFormat};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct FunnelCache {
    entries: Mutex<HashMap<(String, String, u64), Arc<Funnel>>>,
}

impl FunnelCache {
    fn get(&self, key: &(String, String, u64)) -> Option<Arc<Funnel>> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    fn insert(&self, key: (String, String, u64), funnel: Arc<Funnel>) {
        if let Ok(mut map) = self.entries.lock() {
            map.insert(key, funnel);
        }
    }
}

/// The result of storing a funnel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredFunnel {
    pub id: String,
    pub version: u64,
    /// The first version of this funnel.
    pub created: bool,
    /// `false` when the document equals the latest version's (no new version).
    pub changed: bool,
}

/// Validates `text` and stores it as the next version of funnel `id`.
pub async fn put_funnel(
    engine: &Engine,
    tenant: &str,
    id: &str,
    text: &str,
    format: SourceFormat,
) -> Result<StoredFunnel, EngineError> {
    let problems_to_error = |problems: Vec<myx_core::Problem>| {
        EngineError::Validation(
            problems
                .into_iter()
                .map(|p| FieldError::new(p.path, p.message))
                .collect(),
        )
    };
    let funnel = load_funnel(text, format).map_err(problems_to_error)?;
    if funnel.id != id {
        return Err(EngineError::field(
            "funnel",
            format!(
                "the document's id {:?} does not match the URL's {id:?}",
                funnel.id
            ),
        ));
    }
    let doc = load_doc(text, format).map_err(problems_to_error)?;
    let head_key = keys::funnel_head(tenant, id);
    let head = engine.store.get(&head_key).await?;
    let (latest, condition) = match &head {
        Some(item) => (
            from_data::<FunnelHead>(item)?.latest,
            Condition::VersionIs(item.version),
        ),
        None => (0, Condition::NotExists),
    };
    let document = serde_json::to_value(&doc).map_err(|e| EngineError::Internal(e.to_string()))?;
    // Storing the same document again is a no-op (a PUT is idempotent, and
    // `myx dev --funnels` re-reads its folder on every start and change).
    if latest > 0 {
        if let Some(stored) = engine
            .store
            .get(&keys::funnel_version(tenant, id, latest))
            .await?
        {
            if from_data::<FunnelVersionRecord>(&stored)?.document == document {
                return Ok(StoredFunnel {
                    id: id.to_string(),
                    version: latest,
                    created: false,
                    changed: false,
                });
            }
        }
    }
    let version = latest + 1;
    let now = engine.clock.now();
    let mut head_item = Item::new(
        head_key,
        to_data(&FunnelHead {
            funnel_id: id.to_string(),
            latest: version,
        }),
    );
    head_item.version = head.as_ref().map_or(1, |h| h.version + 1);
    let record = FunnelVersionRecord {
        funnel_id: id.to_string(),
        version,
        document,
        stored_at: now,
    };
    engine
        .store
        .transact(vec![
            WriteOp::Put {
                item: head_item,
                condition,
            },
            WriteOp::Put {
                item: Item::new(keys::funnel_version(tenant, id, version), to_data(&record)),
                condition: Condition::NotExists,
            },
        ])
        .await
        .map_err(|e| match e {
            crate::ports::StoreError::TransactionCancelled { .. } => EngineError::Unavailable(
                "another version of this funnel was stored at the same moment; retry".into(),
            ),
            other => other.into(),
        })?;
    engine
        .funnels
        .insert((tenant.into(), id.into(), version), Arc::new(funnel));
    Ok(StoredFunnel {
        id: id.to_string(),
        version,
        created: version == 1,
        changed: true,
    })
}

/// The latest version number of a funnel, if it exists.
pub async fn latest_version(
    engine: &Engine,
    tenant: &str,
    id: &str,
) -> Result<Option<u64>, EngineError> {
    let head = engine.store.get(&keys::funnel_head(tenant, id)).await?;
    Ok(match head {
        Some(item) => Some(from_data::<FunnelHead>(&item)?.latest),
        None => None,
    })
}

/// A pinned funnel version, parsed (cached after the first load).
pub async fn funnel_version(
    engine: &Engine,
    tenant: &str,
    id: &str,
    version: u64,
) -> Result<Arc<Funnel>, EngineError> {
    let cache_key = (tenant.to_string(), id.to_string(), version);
    if let Some(f) = engine.funnels.get(&cache_key) {
        return Ok(f);
    }
    let item = engine
        .store
        .get(&keys::funnel_version(tenant, id, version))
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("funnel {id} version {version}")))?;
    let record: FunnelVersionRecord = from_data(&item)?;
    let text = record.document.to_string();
    let funnel = load_funnel(&text, SourceFormat::Json).map_err(|p| {
        EngineError::Internal(format!(
            "stored funnel {id} v{version} no longer validates: {p:?}"
        ))
    })?;
    let funnel = Arc::new(funnel);
    engine.funnels.insert(cache_key, funnel.clone());
    Ok(funnel)
}

/// Every stored version number of a funnel, oldest first.
pub async fn versions(engine: &Engine, tenant: &str, id: &str) -> Result<Vec<u64>, EngineError> {
    let page = engine
        .store
        .query(
            &keys::funnel_pk(tenant, id),
            &QueryOptions::prefix("V#").limit(1000),
        )
        .await?;
    page.items
        .iter()
        .map(|i| from_data::<FunnelVersionRecord>(i).map(|r| r.version))
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}
