//! `POST /v1/enrollments`: validate, deduplicate, plan, register with Zoom
//! (for Zoom events), schedule, record — with Idempotency-Key replay.
//! Timers are set first (they are only pointers: one that fires with
//! nothing behind it does nothing); the enrollment is then written as
//! conditional puts in phases whose order makes a crash between any two of
//! them safe, with the registration as the commit point ([`write`]). If
//! Zoom refuses or is down, nothing is written; if the registration is not
//! stored after Zoom accepted, the Zoom registrant is removed again
//! ([`registrants`]).

use crate::engine::{Engine, EngineError};
use crate::events::get_event;
use crate::funnels;
use crate::keys::{self, normalize_email, sha256_hex};
use crate::ports::{Attendee, Condition, Item, Key, Registrant, StoreError, WriteOp};
use crate::records::*;
use crate::request::Fields;
use crate::{reads, registrants, scheduling, timeline};
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

/// An Idempotency-Key as the enrollment keeps it.
struct IdempotencyKey {
    /// SHA-256 of the key (the record's key holds it, the registration too).
    hash: String,
    record: Key,
    body_hash: String,
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
            let hash = sha256_hex(k);
            let idem = IdempotencyKey {
                record: keys::idempotency(tenant, &hash),
                hash,
                body_hash: sha256_hex(&body.to_string()),
            };
            if let Some(replay) = replay(engine, tenant, &idem, now).await? {
                return Ok(replay);
            }
            Some(idem)
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

/// The first answer to this Idempotency-Key, if it is on record: the 201
/// is rebuilt from the registration it names, as a duplicate's 409 is.
async fn replay(
    engine: &Engine,
    tenant: &str,
    idem: &IdempotencyKey,
    now: jiff::Timestamp,
) -> Result<Option<EnrollmentResponse>, EngineError> {
    let Some(item) = engine.store.get(&idem.record).await? else {
        return Ok(None);
    };
    if item.is_expired(now) {
        return Ok(None);
    }
    if item.data.get("bodyHash").and_then(Value::as_str) != Some(idem.body_hash.as_str()) {
        return Err(EngineError::Unprocessable(
            "this Idempotency-Key was already used with a different request body".into(),
        ));
    }
    if let Some(body) = item.data.get("body") {
        // Records written before 2026-12-02's fifth session hold the answer.
        let status = item.data.get("status").and_then(Value::as_u64);
        return Ok(Some(EnrollmentResponse {
            status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(201),
            body: body.clone(),
        }));
    }
    let named = |field| item.data.get(field).and_then(Value::as_str);
    let (Some(event_id), Some(contact_id)) = (named("eventId"), named("contactId")) else {
        return Err(EngineError::Internal(
            "an idempotency record names no enrollment".into(),
        ));
    };
    let event = match get_event(engine, tenant, event_id).await {
        Ok((event, _)) => event,
        Err(EngineError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    // Erased since: nothing to replay; the request enrolls again.
    let Some(reg) = reads::registration(engine, tenant, event_id, contact_id).await? else {
        return Ok(None);
    };
    let body = existing_enrollment(engine, tenant, &event, &reg, None).await?;
    Ok(Some(EnrollmentResponse { status: 201, body }))
}

async fn attempt(
    engine: &Engine,
    tenant: &str,
    req: &EnrollmentRequest,
    idem: Option<&IdempotencyKey>,
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
    let mut contact_missing = false;
    if let Some(contact_id) = &existing_contact {
        let wanted = [
            keys::registration(tenant, &event.id, contact_id),
            keys::contact(tenant, contact_id),
            keys::contact_enrollment(tenant, contact_id, &event.id),
        ];
        let mut items = engine.store.get_many(&wanted).await?.into_iter();
        let (reg_item, contact_item, enrolled_item) = (
            items.next().flatten(),
            items.next().flatten(),
            items.next().flatten(),
        );
        if let Some(reg_item) = reg_item {
            let reg: RegistrationRecord = from_data(&reg_item)?;
            // The contact's enrollment index is written last: without it,
            // the enrollment's last writes never landed; they are made now.
            let repair = enrolled_item.is_none().then_some(idem);
            let existing = existing_enrollment(engine, tenant, &event, &reg, repair).await?;
            if let Some(own) =
                idem.filter(|i| reg.idempotency_key.as_deref() == Some(i.hash.as_str()))
            {
                // This request's own enrollment: its first answer was lost
                // (the repair above), or a concurrent twin with the same key
                // got there first (its record answers, unless expired).
                if repair.is_some() {
                    return Ok(EnrollmentResponse {
                        status: 201,
                        body: existing,
                    });
                }
                if let Some(replayed) = replay(engine, tenant, own, now).await? {
                    return Ok(replayed);
                }
            }
            return Err(EngineError::Conflict {
                message: "this email is already enrolled in this event".into(),
                existing,
            });
        }
        // An attempt that wrote the email's index and died before the
        // contact: this one writes the contact.
        contact_missing = contact_item.is_none();
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
        new_contact: existing_contact.is_none(),
        contact_missing,
        contact_id,
        enrollment_id,
        zone_name,
        planned: &planned,
    };
    let written = write(engine, tenant, req, idem, prepared, registrant.as_ref()).await;
    if let (Some(registrant), false) = (&registrant, written.stored) {
        registrants::undo(engine, tenant, &event, registrant).await;
    }
    written.response
}

/// What [`attempt`] decided before writing.
struct Prepared<'a> {
    now: jiff::Timestamp,
    event: &'a EventRecord,
    email: String,
    email_key: Key,
    /// No contact has this email yet: its index and the contact are written.
    new_contact: bool,
    /// The email's index names a contact that was never written.
    contact_missing: bool,
    contact_id: String,
    enrollment_id: String,
    zone_name: String,
    planned: &'a myx_core::planner::Plan<'a>,
}

/// The answer, and whether this request's registration was stored (then
/// the Zoom registrant is kept, even if a later write failed).
struct Written {
    response: Result<EnrollmentResponse, EngineError>,
    stored: bool,
}

/// Sets the timers, then writes the enrollment as conditional puts in an
/// order that makes every crash safe (no transaction: on DynamoDB it would
/// bill each item twice). The registration is the commit point:
/// - before it, what is harmless alone and reused or repaired by a retry:
///   the email's index first (a contact is never left unreachable by its
///   email, which erasure starts from), then the contact, the phone's
///   index, the Zoom registrant's, the enrollment id's and the consents;
/// - after it, what must not exist without it: the timeline's entries and
///   the idempotency record, then the contact's index of its enrollments,
///   last, which tells a duplicate whether they landed (it writes them
///   again if not: their keys are the enrollment's own).
async fn write(
    engine: &Engine,
    tenant: &str,
    req: &EnrollmentRequest,
    idem: Option<&IdempotencyKey>,
    prepared: Prepared<'_>,
    registrant: Option<&Registrant>,
) -> Written {
    let not_stored = |e: EngineError| Written {
        response: Err(e),
        stored: false,
    };
    let Prepared {
        now,
        event,
        email,
        email_key,
        new_contact,
        contact_missing,
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

    if let Err(e) =
        scheduling::schedule_contact_sends(engine, tenant, event, &contact_id, &planned.sends, true)
            .await
    {
        return not_stored(e);
    }

    let put = |item, condition| WriteOp::Put { item, condition };
    let mut email_index = Vec::new();
    if new_contact {
        email_index.push(put(
            Item::new(email_key, json!({"contactId": contact_id})),
            Condition::NotExists,
        ));
    }
    let mut before = Vec::with_capacity(8);
    if new_contact || contact_missing {
        let contact = ContactRecord {
            id: contact_id.clone(),
            email: email.clone(),
            first_name: req.first_name.clone(),
            last_name: req.last_name.clone(),
            phone: req.phone.clone(),
            custom_fields: req.custom_fields.clone(),
            created_at: now,
        };
        before.push(put(
            Item::new(keys::contact(tenant, &contact_id), to_data(&contact)),
            Condition::NotExists,
        ));
    }
    if let Some(phone) = &req.phone {
        before.push(put(
            Item::new(
                keys::contact_by_phone(tenant, &sha256_hex(phone)),
                json!({"contactId": contact_id}),
            ),
            Condition::None,
        ));
    }
    if let Some(r) = registrant {
        // Zoom's participant_joined names the registrant: find the contact.
        before.push(put(
            Item::new(
                keys::zoom_registrant(tenant, &event.id, &r.registrant_id),
                json!({"contactId": contact_id}),
            ),
            Condition::None,
        ));
    }
    before.push(put(
        Item::new(
            keys::enrollment_by_id(tenant, &enrollment_id),
            to_data(&EnrollmentRef {
                event_id: event.id.clone(),
                contact_id: contact_id.clone(),
            }),
        ),
        Condition::NotExists,
    ));
    for (channel, given) in [
        (myx_core::Channel::Email, req.consent.email),
        (myx_core::Channel::Sms, req.consent.sms),
    ] {
        if channel == myx_core::Channel::Sms && req.phone.is_none() {
            continue;
        }
        before.push(put(
            Item::new(
                keys::consent(tenant, &contact_id, channel, now, &engine.ids.new_id("cns")),
                json!({"channel": channel, "granted": given, "source": "enrollment", "eventId": event.id, "at": now}),
            ),
            Condition::NotExists,
        ));
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
        idempotency_key: idem.map(|i| i.hash.clone()),
    };
    let registration = vec![put(
        Item::new(
            keys::registration(tenant, &event.id, &contact_id),
            to_data(&reg),
        ),
        Condition::NotExists,
    )];
    match engine
        .store
        .write_in_order(vec![email_index, before, registration])
        .await
    {
        Ok(()) => {}
        // A concurrent enrollment of the same email (its index, or its
        // registration, came first): the retry finds it.
        Err(StoreError::ConditionFailed(_)) => {
            return not_stored(EngineError::Unavailable(RETRY.into()))
        }
        Err(e) => return not_stored(e.into()),
    }
    match engine
        .store
        .write_in_order(followers(engine, tenant, event, &reg, &planned.sends, idem))
        .await
    {
        Ok(()) => {
            tracing::info!(tenant, event = %event.id, contact = %contact_id, enrollment = %enrollment_id, "enrolled");
            Written {
                response: Ok(EnrollmentResponse {
                    status: 201,
                    body: response,
                }),
                stored: true,
            }
        }
        Err(e) => {
            tracing::warn!(tenant, event = %event.id, contact = %contact_id, enrollment = %enrollment_id, error = %e, "enrolled, but its timeline and indexes are not all written: a retry writes them");
            Written {
                response: Err(EngineError::Unavailable(
                    "the enrollment is stored but not yet complete; retry the request".into(),
                )),
                stored: true,
            }
        }
    }
}

/// What an enrollment writes after its registration, in two phases: the
/// timeline's entries and the idempotency record (if `idem` is the key the
/// registration was made with), then the contact's index of its
/// enrollments. Every key is the enrollment's own, so writing them again
/// (a duplicate repairing them) rewrites the same items.
fn followers(
    engine: &Engine,
    tenant: &str,
    event: &EventRecord,
    reg: &RegistrationRecord,
    sends: &[myx_core::PlannedSend<'_>],
    idem: Option<&IdempotencyKey>,
) -> Vec<Vec<WriteOp>> {
    let (contact_id, enrollment_id) = (&reg.contact_id, &reg.enrollment_id);
    let enrolled = TimelineEntry {
        at: reg.registered_at,
        kind: TimelineKind::Enrolled,
        step: None,
        channel: None,
        send_at: None,
        reason: Some(format!(
            "funnel {} v{}",
            event.funnel_id, event.funnel_version
        )),
    };
    let mut records = vec![timeline::entry_with_plan_op(
        tenant,
        &event.id,
        contact_id,
        &enrolled,
        sends,
        enrollment_id,
    )];
    let own_key = idem.filter(|i| reg.idempotency_key.as_deref() == Some(i.hash.as_str()));
    if let Some(idem) = own_key {
        let now = engine.clock.now();
        // The answer is not stored: a replay rebuilds it from the
        // registration (a duplicate's 409 does the same), which keeps the
        // record to one write unit. Unconditional: a concurrent twin with
        // the same key and body writes the same record; two bodies raced
        // under one key (a client's bug) leave the later one's.
        records.push(WriteOp::Put {
            item: Item::new(
                idem.record.clone(),
                json!({"bodyHash": idem.body_hash, "status": 201, "eventId": event.id, "contactId": contact_id}),
            )
            .expiring_at(now.checked_add(engine.config.idempotency_ttl).unwrap_or(now)),
            condition: Condition::None,
        });
    }
    let index = WriteOp::Put {
        item: Item::new(
            keys::contact_enrollment(tenant, contact_id, &event.id),
            json!({"eventId": event.id, "enrollmentId": enrollment_id}),
        ),
        condition: Condition::None,
    };
    vec![records, vec![index]]
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
/// stored: registrations are read at every send, so their size is paid
/// for many times over. `repair`: the enrollment's writes after its
/// registration ([`followers`]) are made again, with this request's
/// Idempotency-Key if it is the registration's.
async fn existing_enrollment(
    engine: &Engine,
    tenant: &str,
    event: &EventRecord,
    reg: &RegistrationRecord,
    repair: Option<Option<&IdempotencyKey>>,
) -> Result<Value, EngineError> {
    let funnel =
        funnels::funnel_version(engine, tenant, &event.funnel_id, event.funnel_version).await?;
    let registration = reg
        .planner_input()
        .ok_or_else(|| EngineError::Internal(format!("unknown stored zone {:?}", reg.timezone)))?;
    let planned = plan(&funnel, event.window(), &registration, None)
        .map_err(|e| EngineError::Internal(format!("planning failed: {e}")))?;
    if let Some(idem) = repair {
        let phases = followers(engine, tenant, event, reg, &planned.sends, idem);
        engine.store.write_in_order(phases).await?;
        tracing::info!(tenant, event = %event.id, contact = %reg.contact_id, enrollment = %reg.enrollment_id, "an enrollment's timeline and indexes written by a retry");
    }
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
