//! Admin: events. Creating one pins the funnel version and sets the
//! event-level timers.

use crate::engine::{Engine, EngineError};
use crate::funnels;
use crate::keys;
use crate::ports::{Condition, Item, Key, QueryOptions, WriteOp};
use crate::records::{from_data, to_data, EventRecord, EventStatus, Platform};
use crate::request::Fields;
use crate::scheduling;
use serde_json::Value;

const EVENT_FIELDS: &[&str] = &[
    "title",
    "type",
    "startsAt",
    "endsAt",
    "timezone",
    "platform",
    "joinUrl",
    "zoomMeetingId",
    "replayUrl",
    "funnelId",
    "funnelVersion",
];

fn parse_platform(f: &mut Fields, field: &str) -> Option<Platform> {
    let s = f.opt_str(field, 32)?;
    match serde_json::from_value::<Platform>(Value::String(s.clone())) {
        Ok(p) => Some(p),
        Err(_) => {
            f.error(
                field,
                "must be one of zoom_meeting, zoom_webinar, in_person, other",
            );
            None
        }
    }
}

fn check_url(f: &mut Fields, field: &str, url: &Option<String>) {
    if let Some(u) = url {
        if !(u.starts_with("https://") || u.starts_with("http://"))
            || u.contains(char::is_whitespace)
        {
            f.error(field, "must be an http(s) URL");
        }
    }
}

/// A Zoom id as Zoom shows it ("857 4606 5123") without the spaces; `None`
/// unless it is 1 to 20 digits (it goes into Zoom API paths).
fn zoom_id(id: &str) -> Option<String> {
    let digits: String = id.chars().filter(|c| !c.is_whitespace()).collect();
    ((1..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

/// `POST /v1/events`
pub async fn create_event(
    engine: &Engine,
    tenant: &str,
    body: &Value,
) -> Result<EventRecord, EngineError> {
    let mut f = Fields::of(body).map_err(|e| EngineError::Validation(vec![e]))?;
    f.reject_unknown(EVENT_FIELDS);
    let title = f.req_str("title", 200);
    let kind = f.opt_str("type", 40).unwrap_or_else(|| "webinar".into());
    let starts_at = f.req_time("startsAt");
    let ends_at = f.req_time("endsAt");
    let timezone = f.opt_zone("timezone");
    if timezone.is_none() && !f.errors.iter().any(|e| e.field == "timezone") {
        f.error("timezone", "is required (IANA name, e.g. America/New_York)");
    }
    let platform = parse_platform(&mut f, "platform").unwrap_or(Platform::Other);
    let join_url = f.opt_str("joinUrl", 2000);
    check_url(&mut f, "joinUrl", &join_url);
    let replay_url = f.opt_str("replayUrl", 2000);
    check_url(&mut f, "replayUrl", &replay_url);
    let zoom_meeting_id = match body.get("zoomMeetingId") {
        // Zoom ids arrive as numbers or strings.
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => f.opt_str("zoomMeetingId", 64),
    }
    .and_then(|id| match zoom_id(&id) {
        Some(id) => Some(id),
        None => {
            f.error(
                "zoomMeetingId",
                "must be a Zoom meeting or webinar id: digits, e.g. 85746065123",
            );
            None
        }
    });
    let funnel_id = f.req_str("funnelId", 64);
    let funnel_version = match body.get("funnelVersion") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) if n > 0 => Some(n),
            _ => {
                f.error("funnelVersion", "must be a positive whole number");
                None
            }
        },
    };
    if let (Some(s), Some(e)) = (starts_at, ends_at) {
        if e <= s {
            f.error("endsAt", "must be after startsAt");
        }
        if e <= engine.clock.now() {
            f.error("endsAt", "the event has already ended");
        }
    }
    if matches!(platform, Platform::ZoomMeeting | Platform::ZoomWebinar)
        && zoom_meeting_id.is_none()
    {
        f.error("zoomMeetingId", "is required for Zoom events");
    }
    let valid = f.into_result(()).map_err(EngineError::Validation);
    valid?;
    let (Some(title), Some(starts_at), Some(ends_at), Some(timezone), Some(funnel_id)) =
        (title, starts_at, ends_at, timezone, funnel_id)
    else {
        return Err(EngineError::Internal("validated fields missing".into()));
    };
    let version = match funnel_version {
        Some(v) => v,
        None => funnels::latest_version(engine, tenant, &funnel_id)
            .await?
            .ok_or_else(|| {
                EngineError::field(
                    "funnelId",
                    format!("no funnel {funnel_id:?}: PUT /v1/funnels/{funnel_id} first"),
                )
            })?,
    };
    let funnel = funnels::funnel_version(engine, tenant, &funnel_id, version)
        .await
        .map_err(|e| match e {
            EngineError::NotFound(what) => {
                EngineError::field("funnelVersion", format!("{what} does not exist"))
            }
            other => other,
        })?;
    let now = engine.clock.now();
    let event = EventRecord {
        id: engine.ids.new_id("evt"),
        title,
        kind,
        starts_at,
        ends_at,
        timezone,
        platform,
        join_url,
        zoom_meeting_id,
        replay_url,
        funnel_id,
        funnel_version: version,
        status: EventStatus::Scheduled,
        schedule_version: 1,
        created_at: now,
    };
    let item = Item::new(keys::event(tenant, &event.id), to_data(&event)).with_gsi1(Key::new(
        keys::events_index(tenant),
        format!("{}#{}", event.starts_at, event.id),
    ));
    scheduling::schedule_event_timers(engine, tenant, &event, &funnel).await?;
    let mut ops = vec![
        WriteOp::Put {
            item,
            condition: Condition::NotExists,
        },
        WriteOp::Put {
            item: Item::new(
                keys::event_ref(&event.id),
                serde_json::json!({"tenantId": tenant}),
            ),
            condition: Condition::NotExists,
        },
    ];
    if let Some(conference) = event.conference() {
        // Zoom's webhooks name only the meeting: find the event from it.
        ops.push(WriteOp::Put {
            item: Item::new(
                keys::zoom_meeting_event(&conference.id, tenant, &event.id),
                serde_json::json!({"tenantId": tenant, "eventId": event.id}),
            ),
            condition: Condition::NotExists,
        });
    }
    engine.store.transact(ops).await?;
    Ok(event)
}

/// The tenant that owns a (globally unique) event id, or 404.
pub async fn tenant_of_event(engine: &Engine, event_id: &str) -> Result<String, EngineError> {
    let item = engine
        .store
        .get(&keys::event_ref(event_id))
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("event {event_id}")))?;
    item.data
        .get("tenantId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| EngineError::Internal(format!("event reference {event_id} has no tenant")))
}

/// The event, or 404.
pub async fn get_event(
    engine: &Engine,
    tenant: &str,
    id: &str,
) -> Result<(EventRecord, u64), EngineError> {
    let item = engine
        .store
        .get(&keys::event(tenant, id))
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("event {id}")))?;
    Ok((from_data(&item)?, item.version))
}

/// Events by start time, paged.
pub async fn list_events(
    engine: &Engine,
    tenant: &str,
    after: Option<String>,
    limit: usize,
) -> Result<(Vec<EventRecord>, Option<String>), EngineError> {
    let page = engine
        .store
        .query_gsi1(
            &keys::events_index(tenant),
            &QueryOptions::prefix("")
                .limit(limit.clamp(1, 200))
                .after(after),
        )
        .await?;
    let events = page
        .items
        .iter()
        .map(from_data)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((events, page.next))
}
