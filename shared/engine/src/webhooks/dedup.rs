//! Webhook dedup: the provider's event id, claimed with a conditional write
//! that expires (`WH#{provider}#{id}`, TTL 7 days). Providers retry until
//! they get a 2xx, so the same event can arrive many times.

use super::WebhookOutcome;
use crate::engine::{Engine, EngineError};
use crate::keys::{self, sha256_hex};
use crate::ports::{Condition, Item, StoreError};
use jiff::SignedDuration;
use serde_json::json;
use std::future::Future;

/// How long an event id is remembered (providers retry for up to ~3 days).
pub const DEDUP_TTL: SignedDuration = SignedDuration::from_hours(7 * 24);

/// The id as a key part: kept readable when it is a plain token, hashed
/// otherwise (keys never hold `#`, and ids come from outside).
fn key_part(event_id: &str) -> String {
    let plain = !event_id.is_empty()
        && event_id.len() <= 128
        && event_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    if plain {
        event_id.to_string()
    } else {
        format!("sha256:{}", sha256_hex(event_id))
    }
}

/// Claims the event id; `false` when it was already claimed (and has not expired).
pub async fn claim(engine: &Engine, provider: &str, event_id: &str) -> Result<bool, EngineError> {
    let now = engine.clock.now();
    let key = keys::webhook_dedup(provider, &key_part(event_id));
    let item = Item::new(key, json!({"provider": provider, "receivedAt": now}))
        .expiring_at(now.checked_add(DEDUP_TTL).unwrap_or(now));
    match engine
        .store
        .put(item, Condition::NotExistsOrExpired(now))
        .await
    {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Forgets a claim, so the provider's retry is processed.
pub async fn release(engine: &Engine, provider: &str, event_id: &str) -> Result<(), EngineError> {
    let key = keys::webhook_dedup(provider, &key_part(event_id));
    engine.store.delete(&key, Condition::None).await?;
    Ok(())
}

/// Runs `work` once per event id. A repeat answers [`WebhookOutcome::Duplicate`];
/// if `work` fails, the claim is released so the provider's retry runs it.
pub async fn once<F, Fut>(
    engine: &Engine,
    provider: &str,
    event_id: &str,
    work: F,
) -> Result<WebhookOutcome, EngineError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<WebhookOutcome, EngineError>>,
{
    if !claim(engine, provider, event_id).await? {
        return Ok(WebhookOutcome::Duplicate);
    }
    match work().await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            if let Err(release_error) = release(engine, provider, event_id).await {
                tracing::warn!(provider, error = %release_error, "could not release a webhook claim");
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::key_part;

    #[test]
    fn plain_ids_stay_readable_and_others_are_hashed() {
        assert_eq!(key_part("msg_2abc:delivered"), "msg_2abc:delivered");
        assert!(key_part("a#b").starts_with("sha256:"));
        assert!(key_part("").starts_with("sha256:"));
        assert!(key_part(&"x".repeat(200)).starts_with("sha256:"));
    }
}
