//! The send pipeline: what runs when a timer fires or a queue message
//! arrives. Whatever the plan said, every rule is checked again at send time:
//! event still on, schedule current, consent, suppression, quiet hours in the
//! contact's zone, nothing pre-event at or after the start, the condition,
//! the daily cap. Then the send is claimed in the contact's day ledger
//! (`send_ledger`: one versioned write that also counts it toward the cap),
//! so a repeated delivery sends nothing twice.
//!
//! Effects happen at most once: the claim is written before the provider is
//! called, the send's record after. If the process dies between the provider
//! call and the record, a redelivery finds the claim, writes the record as
//! `claimed` (the attempt may have sent) and stops. For marketing messages a
//! rare lost message is better than a duplicate. A transient provider error
//! releases the claim so the queue's retry (1 min, 5 min, 30 min) can try
//! again.

use crate::engine::{Engine, EngineError};
use crate::events::get_event;
use crate::keys::{self, sha256_hex};
use crate::outgoing::{self, Outgoing};
use crate::ports::{
    Condition as StoreCondition, Item, QueryOptions, SendError, StoreError, WorkMessage, WriteOp,
};
use crate::records::*;
use crate::scheduling::{self, covered_by_event_timer};
use crate::send_ledger::{self, Claimed, Ledger, Ledgers};
use crate::send_ref::SendRef;
use crate::{funnels, reads, timeline};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use myx_core::funnel::{Condition, Phase};
use myx_core::planner::quiet_hours;
use myx_core::planner::Status;
use myx_core::{plan, Channel, Registration};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// How a work message ended, for the queue consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done (sent, skipped, deferred or nothing to do): delete the message.
    Done,
    /// Retry later; the queue applies its backoff and dead-letters at the end.
    Retry(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Claimed,
    Sent,
    Failed,
}

/// A send's one record (`STEP#{step}#{channel}` in the enrollment's
/// partition), written once the provider answered (or as `claimed` by a
/// redelivery that found the claim without it). Webhooks find it by the
/// send's reference (`send_ref`) their provider brings back, or, for a
/// provider that brings none, under GSI1 by the provider's id
/// (`PMID#{provider}#{id}`); they record delivery and engagement on it.
/// The analytics export calls it the `message` entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepState {
    pub status: StepStatus,
    /// When the send was claimed in the day ledger: the provider is called
    /// right after, so this is when it was sent.
    pub claimed_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Who and what, also in the key; stored for webhooks and analytics,
    /// which may find the record by the provider's id. (Absent in records
    /// written before 2026-12-02's third session.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// SHA-256 of the recipient address (never the address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_segments: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The provider's view, moved forward only by webhooks
    /// (`webhooks::messages::status_rank`): `sent` when sent, then
    /// `delivered`, `bounced`, `complained`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_status: Option<String>,
    /// Delivery and engagement, filled by provider webhooks; read by
    /// `if: {delivered | opened | clicked: ..}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clicked_at: Option<Timestamp>,
}

/// Processes one work message. `final_attempt` tells a transient failure
/// that no retry will follow, so it is recorded as failed.
pub async fn process(
    engine: &Engine,
    message: &WorkMessage,
    final_attempt: bool,
) -> Result<Outcome, EngineError> {
    match message {
        WorkMessage::EventStep {
            tenant,
            event,
            step,
            schedule_version,
            after,
        } => {
            fan_out(
                engine,
                tenant,
                event,
                step,
                *schedule_version,
                after.clone(),
            )
            .await
        }
        WorkMessage::ContactStep {
            tenant,
            event,
            contact,
            step,
            channel,
            schedule_version,
        } => {
            contact_step(
                engine,
                tenant,
                event,
                contact,
                step,
                *channel,
                *schedule_version,
                final_attempt,
            )
            .await
        }
        WorkMessage::PostEventBranches { tenant, event } => {
            crate::lifecycle::start_branches_if_completed(engine, tenant, event).await?;
            Ok(Outcome::Done)
        }
        WorkMessage::PostEvent {
            tenant,
            event,
            contact,
        } => post_event(engine, tenant, event, contact).await,
        WorkMessage::Notice {
            tenant,
            event,
            contact,
            notice,
        } => send_notice(engine, tenant, event, contact, *notice, final_attempt).await,
    }
}

/// Registrations one fan-out message covers: small enough that a page's
/// queue writes finish well inside a Lambda invocation, whatever the event's
/// size (the next page is its own message).
pub const FAN_OUT_PAGE: usize = 200;

/// An event-level timer fired: queue the step for every registrant whose
/// send is at the event-anchored time (the others have timers of their own).
/// A pre-event step's event must still be scheduled; a post-event step's
/// completed, and each registrant is planned on their branch (the step
/// reaches only its branch's registrants).
async fn fan_out(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    step_id: &str,
    version: u64,
    after: Option<String>,
) -> Result<Outcome, EngineError> {
    let (event, _) = match get_event(engine, tenant, event_id).await {
        Ok(e) => e,
        Err(EngineError::NotFound(_)) => return Ok(Outcome::Done),
        Err(e) => return Err(e),
    };
    let funnel =
        funnels::funnel_version(engine, tenant, &event.funnel_id, event.funnel_version).await?;
    let post_event = funnel
        .steps()
        .any(|(phase, step)| step.id == step_id && phase != Phase::PreEvent);
    let active = match post_event {
        false => EventStatus::Scheduled,
        true => EventStatus::Completed,
    };
    if event.schedule_version != version || event.status != active {
        tracing::info!(
            event = event_id,
            step = step_id,
            "stale or inactive event timer ignored"
        );
        return Ok(Outcome::Done);
    }
    let window = event.window();
    let page = engine
        .store
        .query(
            &keys::event_pk(tenant, event_id),
            &QueryOptions::prefix(keys::REGISTRATION_PREFIX)
                .limit(FAN_OUT_PAGE)
                .after(after),
        )
        .await?;
    let mut due = Vec::new();
    for item in &page.items {
        let reg: RegistrationRecord = from_data(item)?;
        let Some(registration) = reg.planner_input() else {
            continue;
        };
        let branch = post_event.then(|| reg.branch());
        let Ok(p) = plan(&funnel, window, &registration, branch) else {
            continue;
        };
        due.extend(
            p.sends
                .iter()
                .filter(|s| s.step.id == step_id && s.status.is_kept() && covered_by_event_timer(s))
                .map(|s| WorkMessage::ContactStep {
                    tenant: tenant.to_string(),
                    event: event_id.to_string(),
                    contact: reg.contact_id.clone(),
                    step: step_id.to_string(),
                    channel: s.channel,
                    schedule_version: version,
                }),
        );
    }
    // This page's sends first, then the next page: a crash between the two
    // redelivers this message, which queues the page again (each send's
    // claim makes the repeat harmless) and then the next page.
    futures_util::future::try_join_all(
        due.chunks(10)
            .map(|chunk| engine.queue.enqueue(chunk.to_vec(), 0)),
    )
    .await?;
    if let Some(next) = page.next {
        let continuation = WorkMessage::EventStep {
            tenant: tenant.to_string(),
            event: event_id.to_string(),
            step: step_id.to_string(),
            schedule_version: version,
            after: Some(next),
        };
        engine.queue.enqueue(vec![continuation], 0).await?;
    }
    Ok(Outcome::Done)
}

/// Post-event branches start for one contact, from a message queued
/// before the branches were started inline (`lifecycle::start_branches`):
/// the event's post-event timers are set again (deterministic names, so
/// the same timers), since this contact's event-anchored sends rely on them.
async fn post_event(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    contact_id: &str,
) -> Result<Outcome, EngineError> {
    let (event, _) = get_event(engine, tenant, event_id).await?;
    let Some(reg) = reads::registration(engine, tenant, event_id, contact_id).await? else {
        return Ok(Outcome::Done);
    };
    let funnel =
        funnels::funnel_version(engine, tenant, &event.funnel_id, event.funnel_version).await?;
    scheduling::schedule_post_event_timers(engine, tenant, &event, &funnel).await?;
    let now = engine.clock.now();
    let planned =
        crate::lifecycle::start_branch(engine, tenant, &event, &funnel, &reg, now).await?;
    engine
        .store
        .write_each(planned.into_iter().collect())
        .await?;
    Ok(Outcome::Done)
}

/// The send's plan as of now, on the branch of the step's phase (a
/// post-event step is planned on its own branch; whether the registrant
/// is on it, `decide` checks); `None` when the step is not in the funnel.
fn plan_now<'f>(
    funnel: &'f myx_core::Funnel,
    event: &EventRecord,
    reg: &RegistrationRecord,
    tz: &TimeZone,
    step_id: &str,
) -> Result<Option<(Phase, myx_core::planner::Plan<'f>)>, EngineError> {
    let Some((phase, _)) = funnel.steps().find(|(_, s)| s.id == step_id) else {
        return Ok(None);
    };
    let branch = match phase {
        Phase::PreEvent => None,
        Phase::PostEvent(b) => Some(b),
    };
    let registration = Registration {
        at: reg.registered_at,
        timezone: tz.clone(),
        channels: reg.consent.channels(),
        contact_id: Some(&reg.contact_id),
    };
    let p = plan(funnel, event.window(), &registration, branch)
        .map_err(|e| EngineError::Internal(e.to_string()))?;
    Ok(Some((phase, p)))
}

/// What the send-time checks decided.
enum Decision {
    Send,
    Skip(String),
    Later(Timestamp, String),
}

#[allow(clippy::too_many_arguments)]
async fn contact_step(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    contact_id: &str,
    step_id: &str,
    channel: Channel,
    version: u64,
    final_attempt: bool,
) -> Result<Outcome, EngineError> {
    let now = engine.clock.now();
    let mut target = Target {
        tenant,
        event_id,
        contact_id,
        step_id,
        channel,
        first_sms: false,
    };
    // Everything a send reads by key, read together (SQLite: one read
    // transaction; DynamoDB: concurrent GetItems): the event, the
    // registration, this step's claim, the contact, and for an SMS whether
    // the contact has had one yet. (The tenant comes from `tenants`' cache.)
    // Eventually consistent: the claim is a versioned write on the day
    // ledger that checks again, and a cancellation, a move or a
    // suppression of the last second was a race with this send anyway. An
    // event, registration or contact that seems missing may just be new
    // (an enrollment queues its welcome two seconds after writing them):
    // those are read again, strongly, before the send gives up on them.
    let mut wanted = vec![
        keys::event(tenant, event_id),
        keys::registration(tenant, event_id, contact_id),
        target.state_key(),
        keys::contact(tenant, contact_id),
    ];
    if channel == Channel::Sms {
        wanted.push(keys::sms_introduced(tenant, contact_id));
    }
    // Always five: an email's "introduced" slot stays empty.
    let five = |items: Vec<Option<Item>>| -> Result<[Option<Item>; 5], EngineError> {
        let asked = items.len();
        let mut items = items.into_iter();
        let five = std::array::from_fn(|_| items.next().flatten());
        match asked == wanted.len() {
            true => Ok(five),
            false => Err(EngineError::Internal(
                "get_many answered another number of items".into(),
            )),
        }
    };
    let mut items = five(engine.store.get_many_eventually(&wanted).await?)?;
    if let [None, _, _, _, _] | [_, None, _, _, _] | [_, _, _, None, _] = &items {
        items = five(engine.store.get_many(&wanted).await?)?;
    }
    let [event_item, reg_item, state_item, contact_item, intro_item] = items;
    let Some(event_item) = event_item else {
        return Ok(Outcome::Done);
    };
    let event: EventRecord = from_data(&event_item)?;
    let Some(reg_item) = reg_item else {
        // An enrollment sets its timers and queues its first sends before it
        // writes the registration (so a crash between leaves no registration
        // without its sends); a worker can get there first. Try again later;
        // on the last attempt the enrollment evidently failed.
        if final_attempt {
            return Ok(Outcome::Done);
        }
        return Ok(Outcome::Retry("the registration is not written yet".into()));
    };
    let reg: RegistrationRecord = from_data(&reg_item)?;
    let record = |kind, reason: String, send_at| TimelineEntry {
        at: now,
        kind,
        step: Some(step_id.to_string()),
        channel: Some(channel),
        send_at,
        reason: Some(reason),
    };
    if event.schedule_version != version {
        // The event moved; the reschedule set new timers.
        tracing::info!(event = event_id, step = step_id, "stale timer ignored");
        return Ok(Outcome::Done);
    }
    if event.status == EventStatus::Cancelled {
        timeline::append(
            engine,
            tenant,
            event_id,
            contact_id,
            record(TimelineKind::Cancelled, "event_cancelled".into(), None),
        )
        .await?;
        return Ok(Outcome::Done);
    }
    if state_item.is_some() {
        // Already sent (or failed): a repeated timer or queue delivery.
        return Ok(Outcome::Done);
    }
    let funnel =
        funnels::funnel_version(engine, tenant, &event.funnel_id, event.funnel_version).await?;
    let Some(contact_item) = contact_item else {
        return Ok(Outcome::Done);
    };
    let contact: ContactRecord = from_data(&contact_item)?;
    let tz = TimeZone::get(&reg.timezone).map_err(|e| EngineError::Internal(e.to_string()))?;
    let planned = plan_now(&funnel, &event, &reg, &tz, step_id)?;
    // No attempt claims before the planned time (an early one is sent
    // back as `Later`), so the day before's ledger can hold this send's
    // claim only if that time was on an earlier local day.
    let planned_at = planned
        .as_ref()
        .and_then(|(_, p)| {
            p.sends
                .iter()
                .find(|s| s.step.id == step_id && s.channel == channel)
        })
        .and_then(|s| s.send_at);
    let yesterday = send_ledger::may_hold_claims_from_yesterday(&tz, now, planned_at);
    let checks = read_checks(
        engine, tenant, &contact, &funnel, channel, &tz, now, yesterday,
    )
    .await?;
    if let Some(claim) = checks.ledgers.claim_of(&target.ledger_entry())? {
        // Claimed, never recorded: an attempt died after its claim (or is
        // still running). It may have sent; this delivery does not.
        record_claimed(engine, &target, claim).await?;
        return Ok(Outcome::Done);
    }

    let decision = decide(
        engine,
        tenant,
        &event,
        &reg,
        &contact,
        &funnel,
        planned.as_ref(),
        step_id,
        channel,
        &tz,
        now,
        checks.suppressed,
    )
    .await?;
    match decision {
        Decision::Skip(reason) => {
            timeline::append(
                engine,
                tenant,
                event_id,
                contact_id,
                record(TimelineKind::Skipped, reason, None),
            )
            .await?;
            return Ok(Outcome::Done);
        }
        Decision::Later(at, reason) => {
            let name =
                scheduling::contact_step_timer_name(tenant, event_id, contact_id, step_id, channel);
            let message = WorkMessage::ContactStep {
                tenant: tenant.into(),
                event: event_id.into(),
                contact: contact_id.into(),
                step: step_id.into(),
                channel,
                schedule_version: version,
            };
            scheduling::dispatch(engine, name, at, message).await?;
            timeline::append(
                engine,
                tenant,
                event_id,
                contact_id,
                record(TimelineKind::Deferred, reason, Some(at)),
            )
            .await?;
            return Ok(Outcome::Done);
        }
        Decision::Send => {}
    }

    let tenant_record = crate::tenants::get_tenant(engine, tenant).await?;
    let Some(step) = funnel.step(step_id) else {
        return Ok(Outcome::Done);
    };
    let message_id = engine.ids.new_id("msg");
    let first_sms = channel == Channel::Sms
        && intro_item.is_none()
        && !has_sent_sms(engine, tenant, contact_id).await?;
    target.first_sms = first_sms;
    let outgoing = match outgoing::build(
        engine,
        &tenant_record,
        &event,
        &reg,
        &contact,
        &funnel,
        step,
        channel,
        &message_id,
        first_sms,
    ) {
        Ok(o) => o,
        Err(reason) => {
            // A template that cannot render will not render on retry either.
            timeline::append(
                engine,
                tenant,
                event_id,
                contact_id,
                record(TimelineKind::Failed, reason, None),
            )
            .await?;
            return Ok(Outcome::Done);
        }
    };

    deliver(
        engine,
        &target,
        outgoing,
        &message_id,
        checks.ledgers.today,
        checks.cap,
        final_attempt,
    )
    .await
}

/// What a send reads once it knows the contact: whether the address is
/// suppressed, and the contact's day ledgers of the channel (its claims and
/// its count toward the cap).
struct Checks {
    suppressed: bool,
    ledgers: Ledgers,
    cap: Option<u32>,
}

/// Reads [`Checks`] in one go (one snapshot; concurrent GetItems); the day
/// before's ledger only if `yesterday`.
#[allow(clippy::too_many_arguments)]
async fn read_checks(
    engine: &Engine,
    tenant: &str,
    contact: &ContactRecord,
    funnel: &myx_core::Funnel,
    channel: Channel,
    tz: &TimeZone,
    now: Timestamp,
    yesterday: bool,
) -> Result<Checks, EngineError> {
    let suppression = contact
        .address(channel)
        .map(|address| keys::suppression(tenant, channel, &sha256_hex(&address)));
    let ledger_keys = send_ledger::keys_for(tenant, &contact.id, channel, tz, now);
    let read_ledgers = if yesterday { 2 } else { 1 };
    let keys: Vec<_> = ledger_keys[..read_ledgers]
        .iter()
        .chain(suppression.iter())
        .cloned()
        .collect();
    let mut items = engine.store.get_many_eventually(&keys).await?.into_iter();
    let today_item = items.next().flatten();
    let yesterday_item = match yesterday {
        true => items.next().flatten(),
        false => None,
    };
    let ledgers = Ledgers::read_as(ledger_keys, [today_item, yesterday_item]);
    let suppressed = items.next().flatten().is_some();
    Ok(Checks {
        suppressed,
        ledgers,
        cap: funnel.defaults.daily_cap.get(&channel).copied(),
    })
}

/// Who and what a delivery is for.
struct Target<'a> {
    tenant: &'a str,
    event_id: &'a str,
    contact_id: &'a str,
    /// The funnel step, or `_notice_<kind>` for notices.
    step_id: &'a str,
    channel: Channel,
    /// The contact's first SMS: once sent, the contact is marked introduced.
    first_sms: bool,
}

impl Target<'_> {
    /// The send's name in the contact's day ledger of the channel.
    fn ledger_entry(&self) -> String {
        send_ledger::entry(self.event_id, self.step_id)
    }

    /// The send's record.
    fn state_key(&self) -> crate::ports::Key {
        keys::step_state(
            self.tenant,
            self.event_id,
            self.contact_id,
            self.step_id,
            self.channel,
        )
    }

    /// What webhooks find the send's record by.
    fn send_ref(&self) -> SendRef {
        SendRef {
            tenant: self.tenant.to_string(),
            event_id: self.event_id.to_string(),
            contact_id: self.contact_id.to_string(),
            step: self.step_id.to_string(),
            channel: self.channel,
        }
    }

    /// The send's record as of its claim; the outcome fills in the rest.
    fn state(&self, status: StepStatus, claim: &send_ledger::Claim) -> StepState {
        StepState {
            status,
            claimed_at: claim.at,
            message_id: Some(claim.message_id.clone()),
            event_id: Some(self.event_id.to_string()),
            contact_id: Some(self.contact_id.to_string()),
            step: Some(self.step_id.to_string()),
            channel: Some(self.channel),
            provider: None,
            provider_id: None,
            to_hash: None,
            sms_segments: None,
            error: None,
            delivery_status: None,
            delivered_at: None,
            opened_at: None,
            clicked_at: None,
        }
    }
}

/// Records a send found claimed in the ledger but with no record of its
/// own as `claimed`: the timeline and the export then show the attempt. A
/// record written meanwhile (the attempt was still running) stays.
async fn record_claimed(
    engine: &Engine,
    t: &Target<'_>,
    claim: send_ledger::Claim,
) -> Result<(), EngineError> {
    let state = t.state(StepStatus::Claimed, &claim);
    match engine
        .store
        .put(
            Item::new(t.state_key(), to_data(&state)),
            StoreCondition::NotExists,
        )
        .await
    {
        Ok(()) | Err(StoreError::ConditionFailed(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Claims the send in the contact's day ledger (counting it toward the
/// cap, if any), calls the provider, and records the outcome.
#[allow(clippy::too_many_arguments)]
async fn deliver(
    engine: &Engine,
    t: &Target<'_>,
    outgoing: Outgoing,
    message_id: &str,
    ledger: Ledger,
    cap: Option<u32>,
    final_attempt: bool,
) -> Result<Outcome, EngineError> {
    let outgoing = outgoing
        .for_step(t.step_id)
        .with_send_ref(t.send_ref().encode());
    let now = engine.clock.now();
    let record = |kind, reason: String, send_at| TimelineEntry {
        at: now,
        kind,
        step: Some(t.step_id.to_string()),
        channel: Some(t.channel),
        send_at,
        reason: Some(reason),
    };
    let state_key = t.state_key();
    let ledger_key = ledger.key.clone();
    let entry = t.ledger_entry();
    let claim = send_ledger::Claim {
        at: now,
        message_id: message_id.to_string(),
    };
    match send_ledger::claim(engine, ledger, cap, &entry, claim.clone()).await? {
        Claimed::Yes => {}
        // A repeated delivery that raced the first one past its checks.
        Claimed::Already => return Ok(Outcome::Done),
        Claimed::CapReached => {
            timeline::append(
                engine,
                t.tenant,
                t.event_id,
                t.contact_id,
                record(TimelineKind::Skipped, "daily_cap".into(), None),
            )
            .await?;
            return Ok(Outcome::Done);
        }
        Claimed::Contended => {
            return Ok(Outcome::Retry(
                "the day's send ledger changed concurrently".into(),
            ))
        }
    }
    let claimed = t.state(StepStatus::Claimed, &claim);

    let result = match &outgoing {
        Outgoing::Email(email) => engine.email.send_email(email).await,
        Outgoing::Sms(sms, _) => engine.sms.send_sms(sms).await,
    };
    match result {
        Ok(sent) => {
            let done = StepState {
                status: StepStatus::Sent,
                provider: Some(sent.provider.clone()),
                provider_id: Some(sent.provider_id.clone()),
                to_hash: Some(sha256_hex(outgoing.recipient())),
                sms_segments: outgoing.sms_segments().and_then(|n| u32::try_from(n).ok()),
                delivery_status: Some("sent".into()),
                ..claimed
            };
            // The timeline's `sent` entry is read off this record
            // (`timeline::read`), not written apart.
            // Indexed by the provider's id only for a provider whose
            // webhooks do not bring the send's reference back (`send_ref`).
            let mut item = Item::new(state_key, to_data(&done));
            if !sent.echoes_send_ref {
                item = item.with_gsi1(keys::message_by_provider_id(
                    &sent.provider,
                    &sent.provider_id,
                ));
            }
            // Unconditional: over the `claimed` record a concurrent
            // redelivery may have written meanwhile.
            let mut writes = vec![WriteOp::Put {
                item,
                condition: StoreCondition::None,
            }];
            if t.first_sms {
                // Not a transaction: the claim already made this send
                // happen once; if this marker is lost, the contact's next
                // SMS names the business and the opt-out words again.
                writes.push(WriteOp::Put {
                    item: Item::new(keys::sms_introduced(t.tenant, t.contact_id), json!({})),
                    condition: StoreCondition::None,
                });
            }
            engine.store.write_each(writes).await?;
            // Debug, not info: the send's record (and the analytics export)
            // is its lasting trace, and at info these lines were 85 % of
            // what CloudWatch ingests per enrollment (docs/COST.md). Skips,
            // deferrals and failures stay at info and above.
            tracing::debug!(tenant = t.tenant, event = t.event_id, contact = t.contact_id, step = t.step_id, channel = %t.channel, provider = %sent.provider, provider_id = %sent.provider_id, "sent");
            Ok(Outcome::Done)
        }
        Err(SendError::Transient(why)) if !final_attempt => {
            // Release the claim so the retry can send.
            send_ledger::release(engine, &ledger_key, &entry, now).await?;
            Ok(Outcome::Retry(why))
        }
        Err(e) => {
            let (why, reason) = match &e {
                SendError::Permanent(w) => (w.clone(), format!("permanent: {w}")),
                SendError::Transient(w) => (w.clone(), format!("gave up after retries: {w}")),
            };
            let failed = StepState {
                status: StepStatus::Failed,
                error: Some(why),
                ..claimed
            };
            engine
                .store
                .put(Item::new(state_key, to_data(&failed)), StoreCondition::None)
                .await?;
            timeline::append(
                engine,
                t.tenant,
                t.event_id,
                t.contact_id,
                record(TimelineKind::Failed, reason, None),
            )
            .await?;
            Ok(Outcome::Done)
        }
    }
}

/// A notice outside the funnel (the cancellation): transactional, so it
/// goes by email unless the address is suppressed.
async fn send_notice(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    contact_id: &str,
    notice: crate::ports::Notice,
    final_attempt: bool,
) -> Result<Outcome, EngineError> {
    let (event, _) = get_event(engine, tenant, event_id).await?;
    let Some(reg) = reads::registration(engine, tenant, event_id, contact_id).await? else {
        return Ok(Outcome::Done);
    };
    let Some(contact) = reads::contact(engine, tenant, contact_id).await? else {
        return Ok(Outcome::Done);
    };
    let step_id = match notice {
        crate::ports::Notice::Cancellation => "_notice_cancellation",
    };
    let tz = TimeZone::get(&reg.timezone).map_err(|e| EngineError::Internal(e.to_string()))?;
    let now = engine.clock.now();
    let target = Target {
        tenant,
        event_id,
        contact_id,
        step_id,
        channel: Channel::Email,
        first_sms: false,
    };
    let ledger_keys = send_ledger::keys_for(tenant, contact_id, Channel::Email, &tz, now);
    let suppression = keys::suppression(
        tenant,
        Channel::Email,
        &sha256_hex(&contact.address(Channel::Email).unwrap_or_default()),
    );
    let [state, today_item, yesterday_item, suppressed]: [Option<Item>; 4] = engine
        .store
        .get_many(&[
            target.state_key(),
            ledger_keys[0].clone(),
            ledger_keys[1].clone(),
            suppression,
        ])
        .await?
        .try_into()
        .map_err(|_| EngineError::Internal("get_many answered another number of items".into()))?;
    if state.is_some() {
        // Sent already: a repeated delivery.
        return Ok(Outcome::Done);
    }
    let ledgers = Ledgers::read_as(ledger_keys, [today_item, yesterday_item]);
    if let Some(claim) = ledgers.claim_of(&target.ledger_entry())? {
        record_claimed(engine, &target, claim).await?;
        return Ok(Outcome::Done);
    }
    if suppressed.is_some() {
        let entry = TimelineEntry {
            at: engine.clock.now(),
            kind: TimelineKind::Skipped,
            step: Some(step_id.into()),
            channel: Some(Channel::Email),
            send_at: None,
            reason: Some("suppressed".into()),
        };
        timeline::append(engine, tenant, event_id, contact_id, entry).await?;
        return Ok(Outcome::Done);
    }
    let funnel =
        funnels::funnel_version(engine, tenant, &event.funnel_id, event.funnel_version).await?;
    let tenant_record = crate::tenants::get_tenant(engine, tenant).await?;
    let message_id = engine.ids.new_id("msg");
    let template = outgoing::cancellation_template(&funnel);
    let outgoing = match outgoing::build_from_template(
        engine,
        &tenant_record,
        &event,
        &reg,
        &contact,
        &template,
        Channel::Email,
        &message_id,
        false,
        false,
    ) {
        Ok(o) => o,
        Err(reason) => {
            let entry = TimelineEntry {
                at: engine.clock.now(),
                kind: TimelineKind::Failed,
                step: Some(step_id.into()),
                channel: Some(Channel::Email),
                send_at: None,
                reason: Some(reason),
            };
            timeline::append(engine, tenant, event_id, contact_id, entry).await?;
            return Ok(Outcome::Done);
        }
    };
    // Not capped, and counted toward the day's cap of later sends: it is
    // an email the contact got that day.
    deliver(
        engine,
        &target,
        outgoing,
        &message_id,
        ledgers.today,
        None,
        final_attempt,
    )
    .await
}

async fn has_sent_sms(
    engine: &Engine,
    tenant: &str,
    contact_id: &str,
) -> Result<bool, EngineError> {
    let page = engine
        .store
        .query(
            &keys::contact_pk(tenant, contact_id),
            &QueryOptions::prefix("MSG#").limit(200).descending(),
        )
        .await?;
    let sent = page
        .items
        .iter()
        .any(|i| i.data.get("channel").and_then(Value::as_str) == Some("sms"));
    if sent {
        // Had SMS when sends were recorded as `MSG#` items, before the
        // marker existed: set it, so this query runs once per contact.
        engine
            .store
            .put(
                Item::new(keys::sms_introduced(tenant, contact_id), json!({})),
                StoreCondition::None,
            )
            .await?;
    }
    Ok(sent)
}

/// Every send-time rule, in order.
#[allow(clippy::too_many_arguments)]
async fn decide(
    engine: &Engine,
    tenant: &str,
    event: &EventRecord,
    reg: &RegistrationRecord,
    contact: &ContactRecord,
    funnel: &myx_core::Funnel,
    planned: Option<&(Phase, myx_core::planner::Plan<'_>)>,
    step_id: &str,
    channel: Channel,
    tz: &TimeZone,
    now: Timestamp,
    suppressed: bool,
) -> Result<Decision, EngineError> {
    let Some((phase, p)) = planned else {
        return Ok(Decision::Skip("step_not_in_funnel".into()));
    };
    let phase = *phase;
    if !reg.consent.channels().contains(channel) {
        return Ok(Decision::Skip("no_consent".into()));
    }
    if contact.address(channel).is_none() {
        return Ok(Decision::Skip("no_address".into()));
    }
    if suppressed {
        return Ok(Decision::Skip("suppressed".into()));
    }
    if let Phase::PostEvent(b) = phase {
        if b != reg.branch() || event.status != EventStatus::Completed {
            return Ok(Decision::Skip("not_in_branch".into()));
        }
    }
    if phase == Phase::PreEvent && now >= event.starts_at {
        return Ok(Decision::Skip("after_event_start".into()));
    }
    let Some(planned) = p
        .sends
        .iter()
        .find(|s| s.step.id == step_id && s.channel == channel)
    else {
        return Ok(Decision::Skip("not_planned".into()));
    };
    match (planned.status, planned.send_at) {
        (Status::Skipped, _) => {
            return Ok(Decision::Skip(
                planned
                    .reason
                    .map(|r| r.as_str())
                    .unwrap_or("skipped")
                    .into(),
            ))
        }
        (_, Some(at)) if at > now => return Ok(Decision::Later(at, "rescheduled".into())),
        _ => {}
    }
    let quiet = &funnel.defaults.quiet_hours;
    if quiet.applies_to(channel) {
        if let Some(end) = quiet_hours::defer(now, tz, quiet) {
            if phase == Phase::PreEvent && end >= event.starts_at {
                return Ok(Decision::Skip("quiet_hours".into()));
            }
            return Ok(Decision::Later(end, "quiet_hours".into()));
        }
    }
    let step = planned.step;
    for (negate, cond) in [(false, &step.when), (true, &step.unless)] {
        let Some(cond) = cond else { continue };
        let holds = condition_holds(engine, tenant, &event.id, contact, cond).await?;
        if holds == negate {
            let which = if negate { "unless" } else { "if" };
            return Ok(Decision::Skip(format!("condition_not_met ({which})")));
        }
    }
    Ok(Decision::Send)
}

async fn condition_holds(
    engine: &Engine,
    tenant: &str,
    event_id: &str,
    contact: &ContactRecord,
    cond: &Condition,
) -> Result<bool, EngineError> {
    // A click implies an open, and either implies delivery (a provider may
    // report them in any order, or not report delivery at all).
    let engaged = |state: Option<StepState>| {
        state.is_some_and(|s| match cond {
            Condition::Delivered(_) => {
                s.delivered_at.is_some() || s.opened_at.is_some() || s.clicked_at.is_some()
            }
            Condition::Opened(_) => s.opened_at.is_some() || s.clicked_at.is_some(),
            _ => s.clicked_at.is_some(),
        })
    };
    Ok(match cond {
        Condition::Attribute { name, equals } => contact.custom_fields.get(name) == Some(equals),
        Condition::Delivered(step) | Condition::Opened(step) | Condition::Clicked(step) => {
            let keys: Vec<_> = Channel::ALL
                .iter()
                .map(|channel| keys::step_state(tenant, event_id, &contact.id, step, *channel))
                .collect();
            // Engagement recorded in the last second may be missed: the
            // provider's event raced this send anyway.
            engine
                .store
                .get_many_eventually(&keys)
                .await?
                .into_iter()
                .any(|item| engaged(item.and_then(|i| from_data::<StepState>(&i).ok())))
        }
    })
}
