//! Reading records the handlers share: one registration, one contact, and
//! every registration of an event, a page at a time.

use crate::engine::{Engine, EngineError};
use crate::keys;
use crate::ports::QueryOptions;
use crate::records::{from_data, ContactRecord, RegistrationRecord};

/// The registration of `contact_id` for `event_id`, if any.
pub async fn registration(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    contact_id: &str,
) -> Result<Option<RegistrationRecord>, EngineError> {
    match engine
        .store
        .get(&keys::registration(tenant, event_id, contact_id))
        .await?
    {
        Some(item) => Ok(Some(from_data(&item)?)),
        None => Ok(None),
    }
}

/// The contact, if it exists.
pub async fn contact(
    engine: &Engine,
    tenant: &str,
    contact_id: &str,
) -> Result<Option<ContactRecord>, EngineError> {
    match engine.store.get(&keys::contact(tenant, contact_id)).await? {
        Some(item) => Ok(Some(from_data(&item)?)),
        None => Ok(None),
    }
}

/// Calls `f` for every registration of the event, a page at a time.
pub async fn for_each_registration<F, Fut>(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    mut f: F,
) -> Result<usize, EngineError>
where
    F: FnMut(RegistrationRecord) -> Fut,
    Fut: std::future::Future<Output = Result<(), EngineError>>,
{
    let pk = keys::event_pk(tenant, event_id);
    let mut after = None;
    let mut n = 0;
    loop {
        let page = engine
            .store
            .query(
                &pk,
                &QueryOptions::prefix(keys::REGISTRATION_PREFIX)
                    .limit(100)
                    .after(after),
            )
            .await?;
        for item in &page.items {
            f(from_data(item)?).await?;
            n += 1;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(n),
        }
    }
}
