//! Email events (Resend, SES through SNS): delivery, bounces, complaints and
//! engagement. Hard bounces and complaints suppress the address; opens and
//! clicks set `openedAt` / `clickedAt` on the step state, which is what
//! `if: {opened: step}` and `{clicked: step}` read.

use super::messages::{self, Message};
use super::{dedup, WebhookOutcome};
use crate::compliance;
use crate::engine::{Engine, EngineError};
use crate::records::{TimelineEntry, TimelineKind};
use crate::{reads, timeline};
use jiff::Timestamp;
use myx_core::Channel;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailEventKind {
    Sent,
    Delivered,
    DeliveryDelayed,
    /// `permanent`: a hard bounce (the address does not exist).
    Bounced {
        permanent: bool,
    },
    Complained,
    Opened,
    Clicked,
    /// The provider refused or could not send it.
    Failed,
}

/// One provider event about an email we sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailEvent {
    /// The provider's id for this event (dedup), e.g. the `svix-id`.
    pub event_id: String,
    /// The provider's id for the email, as returned by its send API.
    pub provider_message_id: String,
    pub kind: EmailEventKind,
    /// When it happened, as the provider says (default: now).
    pub at: Option<Timestamp>,
}

/// A Resend event (see [`email_event`]).
pub async fn resend_event(
    engine: &Engine,
    event: &EmailEvent,
) -> Result<WebhookOutcome, EngineError> {
    email_event(engine, "resend", event).await
}

/// An event from `provider` about an email it sent for us: updates the
/// message and its step state once per event id. Unknown emails are
/// logged and acknowledged.
pub async fn email_event(
    engine: &Engine,
    provider: &str,
    event: &EmailEvent,
) -> Result<WebhookOutcome, EngineError> {
    let Some(message) = messages::find(engine, provider, &event.provider_message_id).await? else {
        tracing::info!(
            provider,
            kind = ?event.kind,
            "email event for an unknown message acknowledged"
        );
        return Ok(WebhookOutcome::UnknownMessage);
    };
    dedup::once(engine, provider, &event.event_id, || {
        apply(engine, provider, &message, event)
    })
    .await
}

async fn apply(
    engine: &Engine,
    provider: &str,
    message: &Message,
    event: &EmailEvent,
) -> Result<WebhookOutcome, EngineError> {
    let now = engine.clock.now();
    let at = event.at.unwrap_or(now);
    let state_key = message.step_state_key();
    let outcome = |changed: bool| {
        if changed {
            WebhookOutcome::Processed
        } else {
            WebhookOutcome::Ignored
        }
    };
    match event.kind {
        EmailEventKind::Opened | EmailEventKind::Clicked => {
            let field = if event.kind == EmailEventKind::Opened {
                "openedAt"
            } else {
                "clickedAt"
            };
            let on_message =
                messages::update(engine, &message.key, |d| messages::set_once(d, field, at))
                    .await?;
            let on_state = messages::update(engine, &state_key, |d| {
                messages::is_for(d, message) && messages::set_once(d, field, at)
            })
            .await?;
            Ok(outcome(on_message || on_state))
        }
        EmailEventKind::Sent | EmailEventKind::DeliveryDelayed | EmailEventKind::Delivered => {
            let status = match event.kind {
                EmailEventKind::Sent => "sent",
                EmailEventKind::DeliveryDelayed => "delivery_delayed",
                _ => "delivered",
            };
            let changed = messages::update(engine, &message.key, |d| {
                messages::advance_status(d, status, at)
            })
            .await?;
            if changed {
                messages::update(engine, &state_key, |d| {
                    if !messages::is_for(d, message) {
                        return false;
                    }
                    d.insert("deliveryStatus".into(), Value::from(status));
                    if status == "delivered" {
                        d.insert("deliveredAt".into(), Value::from(at.to_string()));
                    }
                    true
                })
                .await?;
            }
            Ok(outcome(changed))
        }
        EmailEventKind::Bounced { permanent } => {
            let (status, why) = if permanent {
                ("bounced", format!("hard bounce ({provider})"))
            } else {
                ("delivery_delayed", format!("soft bounce ({provider})"))
            };
            let changed = messages::update(engine, &message.key, |d| {
                let moved = messages::advance_status(d, status, at);
                if moved {
                    d.insert("bounce".into(), Value::from(why.clone()));
                }
                moved
            })
            .await?;
            if permanent {
                fail_step(engine, message, &why, "bounced").await?;
                suppress(engine, message, "hard_bounce").await?;
            }
            Ok(outcome(changed || permanent))
        }
        EmailEventKind::Complained => {
            messages::update(engine, &message.key, |d| {
                messages::advance_status(d, "complained", at)
            })
            .await?;
            messages::update(engine, &state_key, |d| {
                if !messages::is_for(d, message) {
                    return false;
                }
                d.insert("deliveryStatus".into(), Value::from("complained"));
                true
            })
            .await?;
            suppress(engine, message, "complaint").await?;
            Ok(WebhookOutcome::Processed)
        }
        EmailEventKind::Failed => {
            let changed = messages::update(engine, &message.key, |d| {
                messages::advance_status(d, "failed", at)
            })
            .await?;
            if changed {
                fail_step(engine, message, &format!("failed ({provider})"), "failed").await?;
            }
            Ok(outcome(changed))
        }
    }
}

/// Marks the step failed (it did not reach the inbox) and says why.
async fn fail_step(
    engine: &Engine,
    message: &Message,
    why: &str,
    delivery_status: &str,
) -> Result<(), EngineError> {
    let changed = messages::update(engine, &message.step_state_key(), |d| {
        if !messages::is_for(d, message) || d.get("deliveryStatus") == Some(&delivery_status.into())
        {
            return false;
        }
        d.insert("status".into(), Value::from("failed"));
        d.insert("deliveryStatus".into(), Value::from(delivery_status));
        d.insert("error".into(), Value::from(why));
        true
    })
    .await?;
    if changed {
        let entry = TimelineEntry {
            at: engine.clock.now(),
            kind: TimelineKind::Failed,
            step: Some(message.step.clone()),
            channel: Some(message.channel),
            send_at: None,
            reason: Some(why.to_string()),
        };
        timeline::append(
            engine,
            &message.tenant,
            &message.event_id,
            &message.contact_id,
            entry,
        )
        .await?;
    }
    Ok(())
}

/// Suppresses the contact's email address (cancelling pending email sends).
/// An erased contact is already suppressed by hash.
async fn suppress(engine: &Engine, message: &Message, source: &str) -> Result<(), EngineError> {
    let Some(contact) = reads::contact(engine, &message.tenant, &message.contact_id).await? else {
        return Ok(());
    };
    compliance::suppress(engine, &message.tenant, &contact, Channel::Email, source).await
}
