//! `POST /v1/enrollments`: validate, deduplicate, plan, register with Zoom
//! (for Zoom events), schedule, record — with Idempotency-Key replay. One
//! store transaction writes everything, so an enrollment either exists whole
//! or not at all; timers are set first (they are only pointers: one that
//! fires with nothing behind it does nothing). If Zoom refuses or is down,
//! nothing is written; if our write fails after Zoom accepted, the Zoom
//! registrant is removed again ([`registrants`]).

use crate::engine::{Engine, EngineError};
use crate::events::get_event;
use crate::funnels;
use crate::keys::{self, normalize_email, sha256_hex};
use crate::ports::{Attendee, Condition, Item, Registrant, StoreError, WriteOp};
use crate::records::*;
use crate::request::Fields;
use crate::{registrants, scheduling, timeline};
use jiff::tz::TimeZone;
use myx_core::planner::Status;
use myx_core::{plan, Registration};
use serde_json::{json, Map, Value};
use std::str::FromStr;

const FIELDS: &[&str] = &[
    "email",
    "firstName",
    "lastName",
    "phone",
    "eventId",
    "timezone",
    "emailConsent",
    "smsConsent",
    "customFields",
];

/// A validated enrollment request.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrollmentRequest {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// E.164.
    pub phone: Option<String>,
    pub event_id: String,
    pub timezone: Option<String>,
    pub consent: Consent,
    pub custom_fields: Map<String, Value>,
}

/// What the handler answers: HTTP status and JSON body (also what replays).
#[derive(Debug, Clone, PartialEq)]
pub struct EnrollmentResponse {
    pub status: u16,
    pub body: Value,
}

pub fn parse_request(body: &Value) -> Result<EnrollmentRequest, EngineError> {
    let mut f = Fields::of(body).map_err(|e| EngineError::Validation(vec![e]))?;
    f.reject_unknown(FIELDS);
    let email = f.req_str("email", 254);
    if let Some(e) = &email {
        if email_address::EmailAddress::from_str(e).is_err() {
            f.error("email", "is not a valid email address");
        }
    }
    let first_name = f.req_str("firstName", 100);
    let last_name = f.req_str("lastName", 100);
    let phone = f
        .opt_str("phone", 32)
        .and_then(|raw| match phonenumber::parse(None, &raw) {
            Ok(n) if phonenumber::is_valid(&n) => {
                Some(n.format().mode(phonenumber::Mode::E164).to_string())
            }
            _ => {
                f.error(
                    "phone",
                    "is not a valid phone number in international format, e.g. +14155550123",
                );
                None
            }
        });
    let event_id = f.req_str("eventId", 64);
    let timezone = f.opt_zone("timezone");
    let email_consent = f.opt_bool("emailConsent").unwrap_or(true);
    let sms_consent = f.opt_bool("smsConsent");
    let phone_given = body.get("phone").is_some_and(|p| !p.is_null());
    match (phone_given, sms_consent) {
        (true, None) => f.error(
            "smsConsent",
            "is required when a phone number is given (true or false)",
        ),
        (false, Some(true)) => f.error("smsConsent", "needs a phone number"),
        _ => {}
    }
    let custom_fields = f.opt_object("customFields").cloned().unwrap_or_default();
    if custom_fields.len() > 50 {
        f.error("customFields", "at most 50 fields");
    }
    for (k, v) in &custom_fields {
        let name_ok = (1..=64).contains(&k.len())
            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !name_ok {
            f.error(
                &format!("customFields.{k}"),
                "field names are 1-64 letters, digits or _",
            );
        }
        if v.is_object() || v.is_array() || v.as_str().is_some_and(|s| s.len() > 1000) {
            f.error(
                &format!("customFields.{k}"),
                "values are strings (up to 1000 characters), numbers, booleans or null",
            );
        }
    }
    let consent = Consent {
        email: email_consent,
        sms: sms_consent.unwrap_or(false) && phone.is_some(),
    };
    let checked = f.into_result(()).map_err(EngineError::Validation);
    checked?;
    match (email, first_name, last_name, event_id) {
        (Some(email), Some(first_name), Some(last_name), Some(event_id)) => Ok(EnrollmentRequest {
            email,
            first_name,
            last_name,
            phone,
            event_id,
            timezone,
            consent,
            custom_fields,
        }),
        _ => Err(EngineError::Internal("validated fields missing".into())),
    }
}

/// Handles one enrollment; `idempotency_key` replays the first response.
pub async fn enroll(
    engine: &Engine,
    tenant: &str,
    body: &Value,
    idempotency_key: Option<&str>,
) -> Result<EnrollmentResponse, EngineError> {
    let request = parse_request(body)?;
    let now = engine.clock.now();
    let idem = match idempotency_key {
        Some(k) => {
            let k = k.trim();
            if k.is_empty() || k.len() > 255 {
                return Err(EngineError::field(
                    "Idempotency-Key",
                    "must be 1 to 255 characters",
                ));
            }
            let idem_key = keys::idempotency(tenant, &sha256_hex(k));
            let body_hash = sha256_hex(&body.to_string());
            if let Some(replay) = replay(engine, &idem_key, &body_hash, now).await? {
                return Ok(replay);
            }
            Some((idem_key, body_hash))
        }
        None => None,
    };
    // One retry covers a concurrent first enrollment of the same new contact.
    for _ in 0..2 {
        match attempt(engine, tenant, &request, idem.as_ref()).await {
            Err(EngineError::Unavailable(m)) if m == RETRY => continue,
            other => return other,
        }
    }
    Err(EngineError::Unavailable(
        "too much contention on this contact; retry".into(),
    ))
}

const RETRY: &str = "retry";

async fn replay(
    engine: &Engine,
    key: &crate::ports::Key,
    body_hash: &str,
    now: jiff::Timestamp,
) -> Result<Option<EnrollmentResponse>, EngineError> {
    let Some(item) = engine.store.get(key).await? else {
        return Ok(None);
    };
    if item.is_expired(now) {
        return Ok(None);
    }
    if item.data.get("bodyHash").and_then(Value::as_str) != Some(body_hash) {
        return Err(EngineError::Unprocessable(
            "this Idempotency-Key was already used with a different request body".into(),
        ));
    }
    let status = item
        .data
        .get("status")
        .and_then(Value::as_u64)
        .unwrap_or(201) as u16;
    Ok(Some(EnrollmentResponse {
        status,
        body: item.data.get("body").cloned().unwrap_or(Value::Null),
    }))
}

async fn attempt(
    engine: &Engine,
    tenant: &str,
    req: &EnrollmentRequest,
    idem: Option<&(crate::ports::Key, String)>,
) -> Result<EnrollmentResponse, EngineError> {
    let now = engine.clock.now();
    let (event, _) = get_event(engine, tenant, &req.event_id)
        .await
        .map_err(|e| match e {
            EngineError::NotFound(_) => EngineError::NotFound(format!("event {}", req.event_id)),
            other => other,
        })?;
    match event.status {
        EventStatus::Cancelled => {
            return Err(EngineError::Unprocessable(
                "the event has been cancelled".into(),
            ))
        }
        EventStatus::Completed => {
            return Err(EngineError::Unprocessable("the event has finished".into()))
        }
        EventStatus::Scheduled if event.ends_at <= now => {
            return Err(EngineError::Unprocessable("the event has finished".into()))
        }
        EventStatus::Scheduled => {}
    }
    let email = normalize_email(&req.email);
    let email_key = keys::contact_by_email(tenant, &sha256_hex(&email));
    let existing_contact = match engine.store.get(&email_key).await? {
        Some(item) => item
            .data
            .get("contactId")
            .and_then(Value::as_str)
            .map(str::to_string),
        None => None,
    };
    if let Some(contact_id) = &existing_contact {
        if let Some(reg) = engine
            .store
            .get(&keys::registration(tenant, &event.id, contact_id))
            .await?
        {
            let reg: RegistrationRecord = from_data(&reg)?;
            let existing = existing_enrollment(engine, tenant, &event, &reg).await?;
            return Err(EngineError::Conflict {
                message: "this email is already enrolled in this event".into(),
                existing,
            });
        }
    }
    let contact_id = existing_contact
        .clone()
        .unwrap_or_else(|| engine.ids.new_id("con"));
    let enrollment_id = engine.ids.new_id("enr");
    let zone_name = req
        .timezone
        .clone()
        .unwrap_or_else(|| event.timezone.clone());
    let timezone = TimeZone::get(&zone_name)
        .map_err(|_| EngineError::field("timezone", "unknown IANA time zone"))?;

    let funnel =
        funnels::funnel_version(engine, tenant, &event.funnel_id, event.funnel_version).await?;
    let registration = Registration {
        at: now,
        timezone,
        channels: req.consent.channels(),
        contact_id: Some(&contact_id),
    };
    let planned = plan(&funnel, event.window(), &registration, None)
        .map_err(|e| EngineError::Internal(format!("planning failed: {e}")))?;

    // Zoom first: its join link goes into the response and the messages.
    let attendee = Attendee {
        email: req.email.trim(),
        first_name: &req.first_name,
        last_name: &req.last_name,
    };
    let registrant = registrants::register(engine, &event, &attendee).await?;
    let prepared = Prepared {
        now,
        event: &event,
        email,
        email_key,
        existing_contact,
        contact_id,
        enrollment_id,
        zone_name,
        planned: &planned,
    };
    let written = write(engine, tenant, req, idem, prepared, registrant.as_ref()).await;
    let stored = matches!(&written, Ok(w) if w.stored);
    if let (Some(registrant), false) = (&registrant, stored) {
        registrants::undo(engine, tenant, &event, registrant).await;
    }
    written.map(|w| w.response)
}

/// What [`attempt`] decided before writing.
struct Prepared<'a> {
    now: jiff::Timestamp,
    event: &'a EventRecord,
    email: String,
    email_key: crate::ports::Key,
    existing_contact: Option<String>,
    contact_id: String,
    enrollment_id: String,
    zone_name: String,
    planned: &'a myx_core::planner::Plan<'a>,
}

/// The answer, and whether this request's enrollment was stored (a
/// replayed answer is someone else's).
struct Written {
    response: EnrollmentResponse,
    stored: bool,
}

/// Sets the timers and writes the enrollment in one transaction.
async fn write(
    engine: &Engine,
    tenant: &str,
    req: &EnrollmentRequest,
    idem: Option<&(crate::ports::Key, String)>,
    prepared: Prepared<'_>,
    registrant: Option<&Registrant>,
) -> Result<Written, EngineError> {
    let Prepared {
        now,
        event,
        email,
        email_key,
        existing_contact,
        contact_id,
        enrollment_id,
        zone_name,
        planned,
    } = prepared;
    let join_url = registrant
        .map(|r| r.join_url.clone())
        .or_else(|| event.join_url.clone());
    let response = enrollment_body(
        engine,
        tenant,
        event,
        &enrollment_id,
        &contact_id,
        join_url.as_deref(),
        planned,
    );

    scheduling::schedule_contact_sends(engine, tenant, event, &contact_id, &planned.sends, true)
        .await?;

    let mut ops = Vec::with_capacity(planned.sends.len() + 8);
    if existing_contact.is_none() {
        let contact = ContactRecord {
            id: contact_id.clone(),
            email: email.clone(),
            first_name: req.first_name.clone(),
            last_name: req.last_name.clone(),
            phone: req.phone.clone(),
            custom_fields: req.custom_fields.clone(),
            created_at: now,
        };
        ops.push(WriteOp::Put {
            item: Item::new(keys::contact(tenant, &contact_id), to_data(&contact)),
            condition: Condition::NotExists,
        });
        ops.push(WriteOp::Put {
            item: Item::new(email_key, json!({"contactId": contact_id})),
            condition: Condition::NotExists,
        });
    }
    if let Some(phone) = &req.phone {
        ops.push(WriteOp::Put {
            item: Item::new(
                keys::contact_by_phone(tenant, &sha256_hex(phone)),
                json!({"contactId": contact_id}),
            ),
            condition: Condition::None,
        });
    }
    let reg = RegistrationRecord {
        enrollment_id: enrollment_id.clone(),
        event_id: event.id.clone(),
        contact_id: contact_id.clone(),
        registered_at: now,
        timezone: zone_name.clone(),
        consent: req.consent,
        join_url,
        registrant_id: registrant.map(|r| r.registrant_id.clone()),
        attendance: Attendance::Unknown,
    };
    ops.push(WriteOp::Put {
        item: Item::new(
            keys::registration(tenant, &event.id, &contact_id),
            to_data(&reg),
        ),
        condition: Condition::NotExists,
    });
    if let Some(r) = registrant {
        // Zoom's participant_joined names the registrant: find the contact.
        ops.push(WriteOp::Put {
            item: Item::new(
                keys::zoom_registrant(tenant, &event.id, &r.registrant_id),
                json!({"contactId": contact_id}),
            ),
            condition: Condition::None,
        });
    }
    ops.push(WriteOp::Put {
        item: Item::new(
            keys::enrollment_by_id(tenant, &enrollment_id),
            to_data(&EnrollmentRef {
                event_id: event.id.clone(),
                contact_id: contact_id.clone(),
            }),
        ),
        condition: Condition::NotExists,
    });
    ops.push(WriteOp::Put {
        item: Item::new(
            keys::contact_enrollment(tenant, &contact_id, &event.id),
            json!({"eventId": event.id, "enrollmentId": enrollment_id}),
        ),
        condition: Condition::NotExists,
    });
    for (channel, given) in [
        (myx_core::Channel::Email, req.consent.email),
        (myx_core::Channel::Sms, req.consent.sms),
    ] {
        if channel == myx_core::Channel::Sms && req.phone.is_none() {
            continue;
        }
        ops.push(WriteOp::Put {
            item: Item::new(
                keys::consent(tenant, &contact_id, channel, now, &engine.ids.new_id("cns")),
                json!({"channel": channel, "granted": given, "source": "enrollment", "eventId": event.id, "at": now}),
            ),
            condition: Condition::NotExists,
        });
    }
    let enrolled = TimelineEntry {
        at: now,
        kind: TimelineKind::Enrolled,
        step: None,
        channel: None,
        send_at: None,
        reason: Some(format!(
            "funnel {} v{}",
            event.funnel_id, event.funnel_version
        )),
    };
    ops.push(timeline::append_op(
        engine,
        tenant,
        &event.id,
        &contact_id,
        &enrolled,
    ));
    ops.push(timeline::plan_op(
        engine,
        tenant,
        &event.id,
        &contact_id,
        now,
        &planned.sends,
        None,
    ));
    let idem_index = idem.map(|(key, body_hash)| {
        ops.push(WriteOp::Put {
            item: Item::new(
                key.clone(),
                json!({"bodyHash": body_hash, "status": 201, "body": response}),
            )
            .expiring_at(
                now.checked_add(engine.config.idempotency_ttl)
                    .unwrap_or(now),
            ),
            condition: Condition::NotExistsOrExpired(now),
        });
        ops.len() - 1
    });
    match engine.store.transact(ops).await {
        Ok(()) => {
            tracing::info!(tenant, event = %event.id, contact = %contact_id, enrollment = %enrollment_id, "enrolled");
            Ok(Written {
                response: EnrollmentResponse {
                    status: 201,
                    body: response,
                },
                stored: true,
            })
        }
        Err(StoreError::TransactionCancelled { index, .. }) if Some(index) == idem_index => {
            // The same key won a race: answer what it answered.
            let (key, hash) =
                idem.ok_or_else(|| EngineError::Internal("idempotency index without key".into()))?;
            let response = replay(engine, key, hash, now)
                .await?
                .ok_or_else(|| EngineError::Unavailable(RETRY.into()))?;
            Ok(Written {
                response,
                stored: false,
            })
        }
        Err(StoreError::TransactionCancelled { .. }) => Err(EngineError::Unavailable(RETRY.into())),
        Err(e) => Err(e.into()),
    }
}

/// The 201 body: the enrollment, its calendar links and the sends its
/// plan scheduled.
fn enrollment_body(
    engine: &Engine,
    tenant: &str,
    event: &EventRecord,
    enrollment_id: &str,
    contact_id: &str,
    join_url: Option<&str>,
    planned: &myx_core::planner::Plan<'_>,
) -> Value {
    let scheduled: Vec<Value> = planned
        .sends
        .iter()
        .filter(|s| matches!(s.status, Status::Scheduled | Status::Conditional))
        .map(|s| json!({"step": s.step.id, "channel": s.channel, "sendAt": s.send_at}))
        .collect();
    json!({
        "enrollmentId": enrollment_id,
        "contactId": contact_id,
        "eventId": event.id,
        "joinUrl": join_url,
        "calendar": crate::links::calendar_links(engine, tenant, event),
        "scheduledSteps": scheduled,
        "status": "enrolled",
    })
}

/// A duplicate's 409 body: the existing enrollment as a 201 would show it
/// now, rebuilt from the registration and the event (the planner is
/// deterministic, so it equals the first answer unless the event moved
/// since; then it shows the sends as they now stand). Nothing of it is
/// stored: registrations are read at every send, and on DynamoDB written
/// twice in the enrollment's transaction, so their size is paid for many
/// times over.
async fn existing_enrollment(
    engine: &Engine,
    tenant: &str,
    event: &EventRecord,
    reg: &RegistrationRecord,
) -> Result<Value, EngineError> {
    let funnel =
        funnels::funnel_version(engine, tenant, &event.funnel_id, event.funnel_version).await?;
    let registration = reg
        .planner_input()
        .ok_or_else(|| EngineError::Internal(format!("unknown stored zone {:?}", reg.timezone)))?;
    let planned = plan(&funnel, event.window(), &registration, None)
        .map_err(|e| EngineError::Internal(format!("planning failed: {e}")))?;
    Ok(enrollment_body(
        engine,
        tenant,
        event,
        &reg.enrollment_id,
        &reg.contact_id,
        reg.join_url.as_deref(),
        &planned,
    ))
}
