//! Twilio's SMS webhooks: message status callbacks and inbound messages.

use super::messages::{self, Message};
use super::{dedup, WebhookOutcome};
use crate::compliance::{self, HelpReply, KeywordOutcome};
use crate::engine::{Engine, EngineError};
use serde_json::Value;

pub const PROVIDER: &str = "twilio";

/// A message's status as Twilio reports it (`MessageStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsDeliveryStatus {
    Accepted,
    Scheduled,
    Queued,
    Sending,
    Sent,
    Delivered,
    Undelivered,
    Failed,
    Canceled,
    Read,
    /// Inbound statuses (`receiving`, `received`): nothing to do for a message we sent.
    Received,
}

impl SmsDeliveryStatus {
    /// Twilio's lowercase names; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        use SmsDeliveryStatus::*;
        Some(match s {
            "accepted" => Accepted,
            "scheduled" => Scheduled,
            "queued" => Queued,
            "sending" => Sending,
            "sent" => Sent,
            "delivered" => Delivered,
            "undelivered" => Undelivered,
            "failed" => Failed,
            "canceled" => Canceled,
            "read" => Read,
            "receiving" | "received" => Received,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        use SmsDeliveryStatus::*;
        match self {
            Accepted => "accepted",
            Scheduled => "scheduled",
            Queued => "queued",
            Sending => "sending",
            Sent => "sent",
            Delivered => "delivered",
            Undelivered => "undelivered",
            Failed => "failed",
            Canceled => "canceled",
            Read => "read",
            Received => "received",
        }
    }

    /// The message did not reach the phone and will not.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            SmsDeliveryStatus::Undelivered
                | SmsDeliveryStatus::Failed
                | SmsDeliveryStatus::Canceled
        )
    }
}

/// One status callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsStatusUpdate {
    pub message_sid: String,
    pub status: SmsDeliveryStatus,
    /// Twilio's `ErrorCode` for undelivered / failed messages.
    pub error_code: Option<String>,
    /// The send's reference, from the status callback URL (which the
    /// signature covers).
    pub send_ref: Option<String>,
}

/// A status callback: updates the send record found by Twilio's id
/// (`deliveryStatus`; undelivered and failed also mark the send failed and
/// say why on the timeline). Unknown message ids are logged and
/// acknowledged; statuses arriving out of order never move a message back.
/// Processed once per (MessageSid, MessageStatus).
pub async fn twilio_status(
    engine: &Engine,
    update: &SmsStatusUpdate,
) -> Result<WebhookOutcome, EngineError> {
    let Some(message) = messages::find(
        engine,
        PROVIDER,
        &update.message_sid,
        update.send_ref.as_deref(),
    )
    .await?
    else {
        tracing::info!(
            provider = PROVIDER,
            status = update.status.as_str(),
            "status callback for an unknown message acknowledged"
        );
        return Ok(WebhookOutcome::UnknownMessage);
    };
    let event_id = format!("{}:{}", update.message_sid, update.status.as_str());
    dedup::once(engine, PROVIDER, &event_id, || {
        apply_status(engine, &message, update)
    })
    .await
}

async fn apply_status(
    engine: &Engine,
    message: &Message,
    update: &SmsStatusUpdate,
) -> Result<WebhookOutcome, EngineError> {
    if update.status == SmsDeliveryStatus::Received {
        return Ok(WebhookOutcome::Ignored);
    }
    let now = engine.clock.now();
    let status = update.status.as_str();
    let error_code = update.error_code.as_deref().filter(|c| !c.is_empty());
    let failure = update.status.is_failure().then(|| match error_code {
        Some(code) => format!("{status} (twilio error {code})"),
        None => status.to_string(),
    });
    let changed = messages::update_send(engine, message, |data| {
        if !messages::advance_status(data, status, now) {
            return false;
        }
        if let Some(code) = error_code {
            data.insert("errorCode".into(), Value::from(code));
        }
        match (&failure, update.status) {
            (Some(why), _) => {
                messages::mark_failed(data, why);
            }
            (None, SmsDeliveryStatus::Delivered) => {
                data.insert("deliveredAt".into(), Value::from(now.to_string()));
            }
            _ => {}
        }
        true
    })
    .await?;
    if !changed {
        return Ok(WebhookOutcome::Ignored);
    }
    if let Some(why) = failure {
        messages::record_failure(engine, message, why).await?;
    }
    tracing::info!(
        tenant = %message.send.tenant,
        message = %message.message_id,
        status,
        "sms status updated"
    );
    Ok(WebhookOutcome::Processed)
}

/// What an inbound SMS did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundOutcome {
    Handled(KeywordOutcome),
    /// This MessageSid was processed before: nothing changed.
    Duplicate,
}

impl InboundOutcome {
    /// The text to answer with (HELP / INFO), for the TwiML response.
    pub fn reply(&self) -> Option<&str> {
        match self {
            InboundOutcome::Handled(KeywordOutcome::Help(text)) => Some(text),
            _ => None,
        }
    }
}

/// An inbound SMS from Twilio: STOP-like words suppress SMS and cancel
/// pending sends, START-like words resubscribe, HELP / INFO return the help
/// text (answered in the response, not sent separately), anything else is
/// a reply on the contact's timeline. Processed once per MessageSid.
pub async fn twilio_inbound(
    engine: &Engine,
    tenant: &str,
    message_sid: &str,
    from: &str,
    body: &str,
) -> Result<InboundOutcome, EngineError> {
    let event_id = format!("in:{message_sid}");
    if !dedup::claim(engine, PROVIDER, &event_id).await? {
        return Ok(InboundOutcome::Duplicate);
    }
    match compliance::inbound_sms_replying(engine, tenant, from, body, HelpReply::Return).await {
        Ok(outcome) => Ok(InboundOutcome::Handled(outcome)),
        Err(e) => {
            if let Err(release_error) = dedup::release(engine, PROVIDER, &event_id).await {
                tracing::warn!(error = %release_error, "could not release an inbound SMS claim");
            }
            Err(e)
        }
    }
}
