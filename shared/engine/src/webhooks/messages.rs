//! The message a provider event is about, found by the send's reference
//! the provider brought back (`send_ref`) or else by the provider's id
//! (GSI1 `PMID#{provider}#{id}`), and read-change-write updates of its send
//! record (the step state, `send::StepState`).

use crate::engine::{Engine, EngineError};
use crate::keys;
use crate::ports::{Condition, Item, Key, QueryOptions, StoreError};
use crate::records::{TimelineEntry, TimelineKind};
use crate::send_ref::SendRef;
use crate::timeline;
use serde_json::{Map, Value};

/// A message we sent, as a webhook finds it: the send it was and our id.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub send: SendRef,
    pub message_id: String,
}

impl Message {
    /// The send's record. The GSI1 entry is that record itself, or, for a
    /// message sent before sends were one record, a `MSG#` copy of it
    /// whose step state is updated all the same.
    pub fn state_key(&self) -> Key {
        self.send.key()
    }
}

/// The message `provider` knows as `provider_id`, if we sent it. With the
/// send's reference the record is read by key, and taken only if it names
/// this provider and id (a record not yet written, or a reference that is
/// not ours, falls back to the index, where messages of providers that
/// carry no reference are).
pub(crate) async fn find(
    engine: &Engine,
    provider: &str,
    provider_id: &str,
    send_ref: Option<&str>,
) -> Result<Option<Message>, EngineError> {
    let now = engine.clock.now();
    if let Some(reference) = send_ref.and_then(SendRef::decode) {
        if let Some(item) = engine.store.get(&reference.key()).await? {
            let names = |field: &str, value: &str| {
                item.data.get(field).and_then(Value::as_str) == Some(value)
            };
            if !item.is_expired(now)
                && names("provider", provider)
                && names("providerId", provider_id)
            {
                return Ok(parse(&item));
            }
        }
    }
    let gsi = keys::message_by_provider_id(provider, provider_id);
    let page = engine
        .store
        .query_gsi1(&gsi.pk, &QueryOptions::prefix(gsi.sk.clone()).limit(10))
        .await?;
    let Some(item) = page.items.into_iter().find(|i| !i.is_expired(now)) else {
        return Ok(None);
    };
    Ok(parse(&item))
}

fn parse(item: &Item) -> Option<Message> {
    let text = |name: &str| {
        item.data
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let channel = serde_json::from_value(item.data.get("channel")?.clone()).ok()?;
    Some(Message {
        send: SendRef {
            tenant: keys::tenant_of_pk(&item.key.pk)?.to_string(),
            event_id: text("eventId")?,
            contact_id: text("contactId")?,
            step: text("step")?,
            channel,
        },
        message_id: text("messageId")?,
    })
}

/// Applies `change` to the stored document at `key`: read, change, write
/// back on the version read (a few tries when it changes concurrently).
/// `change` returns `false` when nothing needs writing. `Ok(false)`: not
/// written (no such item, or nothing to change).
async fn update<F>(engine: &Engine, key: &Key, change: F) -> Result<bool, EngineError>
where
    F: Fn(&mut Map<String, Value>) -> bool,
{
    for _ in 0..5 {
        let Some(mut item) = engine.store.get(key).await? else {
            return Ok(false);
        };
        let Some(data) = item.data.as_object_mut() else {
            return Ok(false);
        };
        if !change(data) {
            return Ok(false);
        }
        let read = item.version;
        item.version = read + 1;
        match engine.store.put(item, Condition::VersionIs(read)).await {
            Ok(()) => return Ok(true),
            Err(StoreError::ConditionFailed(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(EngineError::Unavailable(
        "the record kept changing while a webhook updated it; retry".into(),
    ))
}

/// Applies `change` to the message's send record, if it still is this
/// message's (see [`update`]).
pub(crate) async fn update_send<F>(
    engine: &Engine,
    message: &Message,
    change: F,
) -> Result<bool, EngineError>
where
    F: Fn(&mut Map<String, Value>) -> bool,
{
    update(engine, &message.state_key(), |data| {
        is_for(data, message) && change(data)
    })
    .await
}

/// How far along a message is: a status never moves back (providers'
/// callbacks arrive out of order).
pub(crate) fn status_rank(status: &str) -> u8 {
    match status {
        "accepted" | "scheduled" => 0,
        "queued" => 1,
        "sending" => 2,
        "sent" | "delivery_delayed" => 3,
        "delivered" => 4,
        "undelivered" | "failed" | "canceled" | "bounced" | "read" => 5,
        "complained" => 6,
        _ => 0,
    }
}

/// Sets the record's `deliveryStatus` if `status` is further along than
/// the stored one.
pub(crate) fn advance_status(
    data: &mut Map<String, Value>,
    status: &str,
    at: jiff::Timestamp,
) -> bool {
    let current = data
        .get("deliveryStatus")
        .and_then(Value::as_str)
        .unwrap_or("");
    if status_rank(status) <= status_rank(current) {
        return false;
    }
    data.insert("deliveryStatus".into(), Value::from(status));
    data.insert("statusAt".into(), Value::from(at.to_string()));
    true
}

/// Sets `field` (a timestamp) unless it is already set: the first open counts.
pub(crate) fn set_once(data: &mut Map<String, Value>, field: &str, at: jiff::Timestamp) -> bool {
    if data.get(field).is_some_and(|v| !v.is_null()) {
        return false;
    }
    data.insert(field.into(), Value::from(at.to_string()));
    true
}

/// Marks the send failed (it did not reach the recipient) and says why;
/// `false` when it already was.
pub(crate) fn mark_failed(data: &mut Map<String, Value>, why: &str) -> bool {
    if data.get("status").and_then(Value::as_str) == Some("failed") {
        return false;
    }
    data.insert("status".into(), Value::from("failed"));
    data.insert("error".into(), Value::from(why));
    true
}

/// The `failed` timeline entry for a message that did not arrive.
pub(crate) async fn record_failure(
    engine: &Engine,
    message: &Message,
    why: String,
) -> Result<(), EngineError> {
    let entry = TimelineEntry {
        at: engine.clock.now(),
        kind: TimelineKind::Failed,
        step: Some(message.send.step.clone()),
        channel: Some(message.send.channel),
        send_at: None,
        reason: Some(why),
    };
    timeline::append(
        engine,
        &message.send.tenant,
        &message.send.event_id,
        &message.send.contact_id,
        entry,
    )
    .await
}

/// Whether a step state document belongs to this message (a later claim of
/// the same step would carry another message id).
fn is_for(data: &Map<String, Value>, message: &Message) -> bool {
    data.get("messageId").and_then(Value::as_str) == Some(message.message_id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_only_move_forward() {
        let at: jiff::Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let mut data = Map::new();
        data.insert("deliveryStatus".into(), Value::from("sent"));
        assert!(!advance_status(&mut data, "queued", at));
        assert!(advance_status(&mut data, "delivered", at));
        assert!(!advance_status(&mut data, "sent", at));
        assert!(!advance_status(&mut data, "delivered", at));
        assert!(advance_status(&mut data, "complained", at));
        assert_eq!(data["deliveryStatus"], "complained");
    }
}
