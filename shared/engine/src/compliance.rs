//! Compliance actions: suppression, resubscription, one-click unsubscribe
//! (RFC 8058) and SMS keywords (STOP / START / HELP). Suppression is keyed by
//! a hash of the address, so it survives erasure of the contact.

use crate::engine::{Engine, EngineError};
use crate::keys::{self, sha256_hex};
use crate::ports::{Condition, Item, OutgoingSms, QueryOptions};
use crate::records::*;
use crate::{funnels, scheduling, timeline};
use myx_compose::unsubscribe::{verify, Scope};
use myx_core::Channel;
use serde_json::{json, Value};

/// The contact's (event id) enrollments.
async fn enrollments_of(
    engine: &Engine,
    tenant: &str,
    contact_id: &str,
) -> Result<Vec<String>, EngineError> {
    let page = engine
        .store
        .query(
            &keys::contact_pk(tenant, contact_id),
            &QueryOptions::prefix(keys::CONTACT_ENROLLMENT_PREFIX).limit(1000),
        )
        .await?;
    Ok(page
        .items
        .iter()
        .filter_map(|i| {
            i.data
                .get("eventId")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect())
}

async fn ledger(
    engine: &Engine,
    tenant: &str,
    contact_id: &str,
    channel: Channel,
    granted: bool,
    source: &str,
) -> Result<(), EngineError> {
    let now = engine.clock.now();
    engine
        .store
        .put(
            Item::new(
                keys::consent(tenant, contact_id, channel, now, &engine.ids.new_id("cns")),
                json!({"channel": channel, "granted": granted, "source": source, "at": now}),
            ),
            Condition::NotExists,
        )
        .await?;
    Ok(())
}

/// Suppresses `channel` for a contact: no further sends, pending ones
/// cancelled at once (their timers deleted, the timeline told why).
pub async fn suppress(
    engine: &Engine,
    tenant: &str,
    contact: &ContactRecord,
    channel: Channel,
    source: &str,
) -> Result<(), EngineError> {
    let Some(address) = contact.address(channel) else {
        return Ok(());
    };
    let now = engine.clock.now();
    engine
        .store
        .put(
            Item::new(
                keys::suppression(tenant, channel, &sha256_hex(&address)),
                json!({"channel": channel, "source": source, "at": now}),
            ),
            Condition::None,
        )
        .await?;
    ledger(engine, tenant, &contact.id, channel, false, source).await?;
    for event_id in enrollments_of(engine, tenant, &contact.id).await? {
        let Some(item) = engine.store.get(&keys::event(tenant, &event_id)).await? else {
            continue;
        };
        let event: EventRecord = from_data(&item)?;
        let funnel =
            funnels::funnel_version(engine, tenant, &event.funnel_id, event.funnel_version).await?;
        scheduling::cancel_contact_timers(
            engine,
            tenant,
            &event_id,
            &contact.id,
            &funnel,
            Some(channel),
        )
        .await?;
        let entry = TimelineEntry {
            at: now,
            kind: TimelineKind::Suppressed,
            step: None,
            channel: Some(channel),
            send_at: None,
            reason: Some(format!("{source}: pending {channel} sends cancelled")),
        };
        timeline::append(engine, tenant, &event_id, &contact.id, entry).await?;
    }
    tracing::info!(tenant, contact = %contact.id, %channel, source, "suppressed");
    Ok(())
}

/// Lifts the suppression of `channel` (START, or an operator's action).
/// Sends already cancelled stay cancelled; future ones go out again.
pub async fn resubscribe(
    engine: &Engine,
    tenant: &str,
    contact: &ContactRecord,
    channel: Channel,
    source: &str,
) -> Result<(), EngineError> {
    let Some(address) = contact.address(channel) else {
        return Ok(());
    };
    engine
        .store
        .delete(
            &keys::suppression(tenant, channel, &sha256_hex(&address)),
            Condition::None,
        )
        .await?;
    ledger(engine, tenant, &contact.id, channel, true, source).await?;
    let now = engine.clock.now();
    for event_id in enrollments_of(engine, tenant, &contact.id).await? {
        let entry = TimelineEntry {
            at: now,
            kind: TimelineKind::Resubscribed,
            step: None,
            channel: Some(channel),
            send_at: None,
            reason: Some(source.to_string()),
        };
        timeline::append(engine, tenant, &event_id, &contact.id, entry).await?;
    }
    Ok(())
}

async fn contact(
    engine: &Engine,
    tenant: &str,
    contact_id: &str,
) -> Result<ContactRecord, EngineError> {
    crate::reads::contact(engine, tenant, contact_id)
        .await?
        .ok_or_else(|| EngineError::NotFound("contact".into()))
}

/// One-click unsubscribe with a signed token; tampered tokens are refused.
pub async fn unsubscribe(engine: &Engine, token: &str) -> Result<Channel, EngineError> {
    let claims = verify(&engine.config.unsubscribe_key, token)
        .map_err(|e| EngineError::field("token", format!("invalid unsubscribe link: {e}")))?;
    let c = contact(engine, &claims.tenant_id, &claims.contact_id).await?;
    let channels: Vec<Channel> = match claims.scope {
        Scope::Channel(ch) => vec![ch],
        Scope::All => Channel::ALL.to_vec(),
    };
    for ch in &channels {
        suppress(engine, &claims.tenant_id, &c, *ch, "unsubscribe_link").await?;
    }
    Ok(channels.first().copied().unwrap_or(Channel::Email))
}

/// Checks a token without acting on it (the GET confirmation page).
pub fn check_token(engine: &Engine, token: &str) -> Result<(), EngineError> {
    verify(&engine.config.unsubscribe_key, token)
        .map(|_| ())
        .map_err(|e| EngineError::field("token", format!("invalid unsubscribe link: {e}")))
}

const STOP_WORDS: &[&str] = &[
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
];
const START_WORDS: &[&str] = &["START", "YES", "UNSTOP"];
const HELP_WORDS: &[&str] = &["HELP", "INFO"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeywordOutcome {
    OptedOut,
    OptedIn,
    Help(String),
    /// Not a keyword: kept on the contact's timeline.
    Reply,
    UnknownSender,
}

/// How the answer to HELP / INFO goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpReply {
    /// Sent through the SMS sender (the dev route, which has no reply channel).
    Send,
    /// Only returned: the caller answers in its response (Twilio's TwiML),
    /// so the contact does not get the help text twice.
    Return,
}

/// The keyword an inbound SMS is, if any: single words, case-insensitive,
/// trimmed (surrounding punctuation ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    OptOut,
    OptIn,
    Help,
}

pub fn keyword(body: &str) -> Option<Keyword> {
    let word = body
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation())
        .to_uppercase();
    let word = word.as_str();
    if STOP_WORDS.contains(&word) {
        Some(Keyword::OptOut)
    } else if START_WORDS.contains(&word) {
        Some(Keyword::OptIn)
    } else if HELP_WORDS.contains(&word) {
        Some(Keyword::Help)
    } else {
        None
    }
}

/// Inbound SMS: single-word keywords, case-insensitive and trimmed. HELP is
/// answered through the SMS sender.
pub async fn inbound_sms(
    engine: &Engine,
    tenant: &str,
    from: &str,
    body: &str,
) -> Result<KeywordOutcome, EngineError> {
    inbound_sms_replying(engine, tenant, from, body, HelpReply::Send).await
}

/// [`inbound_sms`], with the choice of how HELP is answered.
pub async fn inbound_sms_replying(
    engine: &Engine,
    tenant: &str,
    from: &str,
    body: &str,
    help: HelpReply,
) -> Result<KeywordOutcome, EngineError> {
    let word = keyword(body);
    let Some(idx) = engine
        .store
        .get(&keys::contact_by_phone(tenant, &sha256_hex(from)))
        .await?
    else {
        return Ok(KeywordOutcome::UnknownSender);
    };
    let Some(contact_id) = idx.data.get("contactId").and_then(Value::as_str) else {
        return Ok(KeywordOutcome::UnknownSender);
    };
    let c = contact(engine, tenant, contact_id).await?;
    if word == Some(Keyword::OptOut) {
        suppress(engine, tenant, &c, Channel::Sms, "sms_stop").await?;
        return Ok(KeywordOutcome::OptedOut);
    }
    if word == Some(Keyword::OptIn) {
        resubscribe(engine, tenant, &c, Channel::Sms, "sms_start").await?;
        return Ok(KeywordOutcome::OptedIn);
    }
    if word == Some(Keyword::Help) {
        let t = crate::tenants::get_tenant(engine, tenant).await?;
        let text = format!("{}: event reminders. Msg&data rates may apply. Reply STOP to opt out, START to opt back in.", t.business_name);
        if help == HelpReply::Return {
            return Ok(KeywordOutcome::Help(text));
        }
        let reply = OutgoingSms {
            from: t
                .sms_from
                .clone()
                .unwrap_or_else(|| t.business_name.clone()),
            to: from.to_string(),
            body: text.clone(),
            message_id: engine.ids.new_id("msg"),
            step: Some("_help".into()),
            send_ref: None,
        };
        engine
            .sms
            .send_sms(&reply)
            .await
            .map_err(|e| EngineError::Unavailable(e.to_string()))?;
        return Ok(KeywordOutcome::Help(text));
    }
    let now = engine.clock.now();
    for event_id in enrollments_of(engine, tenant, contact_id).await? {
        let entry = TimelineEntry {
            at: now,
            kind: TimelineKind::Reply,
            step: None,
            channel: Some(Channel::Sms),
            send_at: None,
            reason: Some(format!("inbound SMS ({} characters)", body.chars().count())),
        };
        timeline::append(engine, tenant, &event_id, contact_id, entry).await?;
    }
    Ok(KeywordOutcome::Reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_exactly_the_documented_lists() {
        for w in [
            "STOP",
            "STOPALL",
            "UNSUBSCRIBE",
            "CANCEL",
            "END",
            "QUIT",
            "REVOKE",
            "OPTOUT",
        ] {
            assert_eq!(keyword(w), Some(Keyword::OptOut), "{w}");
        }
        for w in ["START", "YES", "UNSTOP"] {
            assert_eq!(keyword(w), Some(Keyword::OptIn), "{w}");
        }
        for w in ["HELP", "INFO"] {
            assert_eq!(keyword(w), Some(Keyword::Help), "{w}");
        }
        assert_eq!(keyword("  stop. "), Some(Keyword::OptOut));
        assert_eq!(keyword("Help!"), Some(Keyword::Help));
        for w in ["stop please", "STOPP", "NO", "", "ok"] {
            assert_eq!(keyword(w), None, "{w:?}");
        }
    }
}
