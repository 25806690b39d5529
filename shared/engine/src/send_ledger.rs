//! A contact's sends on one channel and one local day, in one item
//! (`T#{t}#CONTACT#{c}` / `COUNT#{channel}#{day}`): the daily cap's count
//! and every send's claim at once. Claiming a send is one versioned put
//! that adds it to the day's ledger, so a send costs one write before the
//! provider call instead of two (a claim and a count), and a concurrent
//! send of the same contact and channel can neither double-claim nor push
//! the count past the cap: one of the two puts fails its version, re-reads
//! the ledger and decides again.
//!
//! A send's own record (`send::StepState`) is written after the provider
//! call. A redelivery that finds a ledger claim but no record is a send
//! whose attempt died between the two (or is still running): it writes
//! the record as `claimed` (unless one exists by then) and sends nothing.

use crate::engine::{Engine, EngineError};
use crate::keys;
use crate::ports::{Condition, Item, Key, StoreError};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use myx_core::Channel;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long a day's ledger is kept: the cap needs only its day, the claims
/// are read for redeliveries of the day before (see [`Ledgers`]).
const KEPT_FOR: SignedDuration = SignedDuration::from_hours(72);

/// Versioned puts lost to concurrent sends before giving up (the message is
/// then retried through the queue).
const ATTEMPTS: usize = 5;

/// One claimed send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claim {
    pub at: Timestamp,
    pub message_id: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Data {
    /// Sends counted toward the cap. Items written before the claims moved
    /// here (2026-12-02) hold only this.
    #[serde(default)]
    count: u64,
    /// Claims by [`entry`].
    #[serde(default)]
    sends: BTreeMap<String, Claim>,
}

/// A ledger as read: its key and its item, if any.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub key: Key,
    pub item: Option<Item>,
}

/// Today's ledger, which a claim writes, and the day before's, which is
/// read for claims only, and only for a send planned before today
/// ([`may_hold_claims_from_yesterday`]): a delivery that comes back after
/// midnight (the queue redelivers a message whose attempt died after its
/// visibility timeout) must still find the claim its first attempt made. A message
/// first tried more than a day before, whose attempt died between the claim
/// and the record, is not recognised; the queue gives up on a message long
/// before that (five receives, 15 minutes apart).
#[derive(Debug, Clone)]
pub struct Ledgers {
    pub today: Ledger,
    pub yesterday: Ledger,
}

/// The keys of [`Ledgers`] for a send at `now` in the contact's zone.
pub fn keys_for(
    tenant: &str,
    contact_id: &str,
    channel: Channel,
    tz: &TimeZone,
    now: Timestamp,
) -> [Key; 2] {
    let today = now.to_zoned(tz.clone());
    let yesterday = today
        .yesterday()
        .unwrap_or_else(|_| today.clone())
        .strftime("%Y-%m-%d")
        .to_string();
    let today = today.strftime("%Y-%m-%d").to_string();
    [
        keys::send_ledger(tenant, contact_id, channel, &today),
        keys::send_ledger(tenant, contact_id, channel, &yesterday),
    ]
}

/// Whether the day before's ledger may hold a claim of a send no attempt
/// of which came before `earliest` (its planned time; `None`: not known):
/// only if that was on an earlier local day than `now`. Reading it only
/// then spares most sends a read.
pub fn may_hold_claims_from_yesterday(
    tz: &TimeZone,
    now: Timestamp,
    earliest: Option<Timestamp>,
) -> bool {
    earliest.is_none_or(|at| at.to_zoned(tz.clone()).date() < now.to_zoned(tz.clone()).date())
}

/// A send's name within a ledger (the ledger is already the contact's and
/// the channel's).
pub fn entry(event_id: &str, step_id: &str) -> String {
    format!("{event_id}#{step_id}")
}

impl Ledgers {
    /// The ledgers at `keys` (from [`keys_for`]) as read: `items` in the
    /// same order.
    pub fn read_as(keys: [Key; 2], items: [Option<Item>; 2]) -> Self {
        let [today, yesterday] = keys;
        let [today_item, yesterday_item] = items;
        Self {
            today: Ledger {
                key: today,
                item: today_item,
            },
            yesterday: Ledger {
                key: yesterday,
                item: yesterday_item,
            },
        }
    }

    /// The claim already made for `entry`, today or the day before.
    pub fn claim_of(&self, entry: &str) -> Result<Option<Claim>, EngineError> {
        for item in [&self.today.item, &self.yesterday.item]
            .into_iter()
            .flatten()
        {
            // Only this entry is decoded: every send reads the ledger, and
            // most find nothing in it.
            if let Some(claim) = item.data.get("sends").and_then(|sends| sends.get(entry)) {
                return Claim::deserialize(claim)
                    .map(Some)
                    .map_err(|e| undecodable(item, e));
            }
        }
        Ok(None)
    }
}

fn data_of(item: Option<&Item>) -> Result<Data, EngineError> {
    match item {
        None => Ok(Data::default()),
        // From a reference: no copy of the item's tree first.
        Some(item) => Data::deserialize(&item.data).map_err(|e| undecodable(item, e)),
    }
}

fn undecodable(item: &Item, e: serde_json::Error) -> EngineError {
    EngineError::Internal(format!("send ledger {:?}: {e}", item.key.sk))
}

/// What [`claim`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// Ours: call the provider.
    Yes,
    /// Claimed before (a repeated delivery).
    Already,
    /// The day's count is at the cap.
    CapReached,
    /// Lost the versioned put [`ATTEMPTS`] times to concurrent sends.
    Contended,
}

/// Adds `entry` to today's ledger, counted toward `cap` if there is one.
/// `today` is the ledger as read with the send's checks (possibly stale:
/// the versioned put finds out, and the ledger is then read strongly).
pub async fn claim(
    engine: &Engine,
    mut today: Ledger,
    cap: Option<u32>,
    entry: &str,
    claim: Claim,
) -> Result<Claimed, EngineError> {
    for _ in 0..ATTEMPTS {
        let mut data = data_of(today.item.as_ref())?;
        if data.sends.contains_key(entry) {
            return Ok(Claimed::Already);
        }
        let count = data.count.max(data.sends.len() as u64);
        if cap.is_some_and(|cap| count >= u64::from(cap)) {
            return Ok(Claimed::CapReached);
        }
        let expires = claim.at.checked_add(KEPT_FOR).unwrap_or(claim.at);
        data.count = count + 1;
        data.sends.insert(entry.to_string(), claim.clone());
        match put_versioned(engine, &today, &data, expires).await? {
            true => return Ok(Claimed::Yes),
            false => {
                today.item = engine.store.get(&today.key).await?;
            }
        }
    }
    Ok(Claimed::Contended)
}

/// Takes `entry` back out of the ledger at `key` (a transient provider
/// error: the retry decides again and may send).
pub async fn release(
    engine: &Engine,
    key: &Key,
    entry: &str,
    now: Timestamp,
) -> Result<(), EngineError> {
    for _ in 0..ATTEMPTS {
        let ledger = Ledger {
            key: key.clone(),
            item: engine.store.get(key).await?,
        };
        let mut data = data_of(ledger.item.as_ref())?;
        if data.sends.remove(entry).is_none() {
            return Ok(());
        }
        data.count = data.count.saturating_sub(1);
        let expires = now.checked_add(KEPT_FOR).unwrap_or(now);
        if put_versioned(engine, &ledger, &data, expires).await? {
            return Ok(());
        }
    }
    Err(EngineError::Internal(format!(
        "send ledger {:?}: the release lost to concurrent sends {ATTEMPTS} times",
        key.sk
    )))
}

/// Writes `data` over `ledger` if it is still the version read; `false`
/// when another writer got there first.
async fn put_versioned(
    engine: &Engine,
    ledger: &Ledger,
    data: &Data,
    expires: Timestamp,
) -> Result<bool, EngineError> {
    let value =
        serde_json::to_value(data).map_err(|e| EngineError::Internal(format!("ledger: {e}")))?;
    let mut next = Item::new(ledger.key.clone(), value).expiring_at(expires);
    next.version = ledger.item.as_ref().map_or(1, |i| i.version + 1);
    let condition = match &ledger.item {
        Some(i) => Condition::VersionIs(i.version),
        None => Condition::NotExists,
    };
    match engine.store.put(next, condition).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::may_hold_claims_from_yesterday;
    use jiff::tz::TimeZone;

    #[test]
    fn the_day_before_is_read_only_for_a_send_planned_before_today() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let now = at("2026-12-02T15:00:00Z"); // 10:00 in New York
                                              // Planned this morning, New York time: no earlier day to look at.
        assert!(!may_hold_claims_from_yesterday(
            &ny,
            now,
            Some(at("2026-12-02T05:30:00Z"))
        ));
        // 23:30 the evening before in New York (04:30 UTC today).
        assert!(may_hold_claims_from_yesterday(
            &ny,
            now,
            Some(at("2026-12-02T04:30:00Z"))
        ));
        assert!(
            may_hold_claims_from_yesterday(&ny, now, None),
            "unknown: read it"
        );
    }
}
