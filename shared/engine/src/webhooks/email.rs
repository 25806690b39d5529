//! Email events (Resend, SES through SNS): delivery, bounces, complaints and
//! engagement. Hard bounces and complaints suppress the address; opens and
//! clicks set `openedAt` / `clickedAt` on the step state, which is what
//! `if: {opened: step}` and `{clicked: step}` read.

use super::messages::{self, Message};
use super::{dedup, WebhookOutcome};
use crate::compliance;
use crate::engine::{Engine, EngineError};
use crate::reads;
use jiff::Timestamp;
use myx_core::Channel;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};

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
    /// The send's reference, if the provider brought it back (an SES tag).
    pub send_ref: Option<String>,
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
    let Some(message) = messages::find(
        engine,
        provider,
        &event.provider_message_id,
        event.send_ref.as_deref(),
    )
    .await?
    else {
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
    let at = event.at.unwrap_or_else(|| engine.clock.now());
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
            let changed =
                messages::update_send(engine, message, |d| messages::set_once(d, field, at))
                    .await?;
            Ok(outcome(changed))
        }
        EmailEventKind::Sent | EmailEventKind::DeliveryDelayed | EmailEventKind::Delivered => {
            let status = match event.kind {
                EmailEventKind::Sent => "sent",
                EmailEventKind::DeliveryDelayed => "delivery_delayed",
                _ => "delivered",
            };
            let changed = messages::update_send(engine, message, |d| {
                if !messages::advance_status(d, status, at) {
                    return false;
                }
                if status == "delivered" {
                    d.insert("deliveredAt".into(), Value::from(at.to_string()));
                }
                true
            })
            .await?;
            Ok(outcome(changed))
        }
        EmailEventKind::Bounced { permanent } => {
            let (status, why) = if permanent {
                ("bounced", format!("hard bounce ({provider})"))
            } else {
                ("delivery_delayed", format!("soft bounce ({provider})"))
            };
            // A hard bounce fails the send, once, even when a later status
            // (a complaint) was recorded first.
            let failed = AtomicBool::new(false);
            let changed = messages::update_send(engine, message, |d| {
                let moved = messages::advance_status(d, status, at);
                if moved {
                    d.insert("bounce".into(), Value::from(why.clone()));
                }
                let fails = permanent && messages::mark_failed(d, &why);
                failed.store(fails, Ordering::Relaxed);
                moved || fails
            })
            .await?;
            if changed && failed.load(Ordering::Relaxed) {
                messages::record_failure(engine, message, why).await?;
            }
            if permanent {
                suppress(engine, message, "hard_bounce").await?;
            }
            Ok(outcome(changed || permanent))
        }
        EmailEventKind::Complained => {
            messages::update_send(engine, message, |d| {
                messages::advance_status(d, "complained", at)
            })
            .await?;
            suppress(engine, message, "complaint").await?;
            Ok(WebhookOutcome::Processed)
        }
        EmailEventKind::Failed => {
            let why = format!("failed ({provider})");
            let changed = messages::update_send(engine, message, |d| {
                messages::advance_status(d, "failed", at) && messages::mark_failed(d, &why)
            })
            .await?;
            if changed {
                messages::record_failure(engine, message, why).await?;
            }
            Ok(outcome(changed))
        }
    }
}

/// Suppresses the contact's email address (cancelling pending email sends).
/// An erased contact is already suppressed by hash.
async fn suppress(engine: &Engine, message: &Message, source: &str) -> Result<(), EngineError> {
    let Some(contact) =
        reads::contact(engine, &message.send.tenant, &message.send.contact_id).await?
    else {
        return Ok(());
    };
    compliance::suppress(
        engine,
        &message.send.tenant,
        &contact,
        Channel::Email,
        source,
    )
    .await
}
