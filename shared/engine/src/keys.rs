//! The single-table key design: every item's partition and sort key, in one
//! place. All keys are tenant-scoped except API keys and webhook dedup
//! records, which are looked up before the tenant is known. Ids used in keys
//! never contain `#` (we generate them; step ids cannot hold it).

use crate::ports::Key;
use jiff::Timestamp;
use myx_core::Channel;
use sha2::{Digest, Sha256};

pub fn tenant(t: &str) -> Key {
    Key::new(format!("TENANT#{t}"), "META")
}

/// API keys are stored only as their SHA-256.
pub fn api_key(key_sha256: &str) -> Key {
    Key::new(format!("APIKEY#{key_sha256}"), "META")
}

/// Event ids are globally unique: public routes (forms, calendar links)
/// carry only the event id and find the tenant through this item.
pub fn event_ref(e: &str) -> Key {
    Key::new(format!("EVENTREF#{e}"), "META")
}

pub fn event(t: &str, e: &str) -> Key {
    Key::new(event_pk(t, e), "META")
}

/// The event partition holds the event and its registrations.
pub fn event_pk(t: &str, e: &str) -> String {
    format!("T#{t}#EVENT#{e}")
}

pub fn registration(t: &str, e: &str, c: &str) -> Key {
    Key::new(event_pk(t, e), format!("{REGISTRATION_PREFIX}{c}"))
}

pub const REGISTRATION_PREFIX: &str = "REG#";

/// Events of a tenant are listed through GSI1.
pub fn events_index(t: &str) -> String {
    format!("T#{t}#EVENTS")
}

pub fn contact(t: &str, c: &str) -> Key {
    Key::new(contact_pk(t, c), "PROFILE")
}

/// Present once the contact has had an SMS (the first carries the
/// business name and opt-out text).
pub fn sms_introduced(t: &str, c: &str) -> Key {
    Key::new(contact_pk(t, c), "SMSINTRO")
}

pub fn contact_pk(t: &str, c: &str) -> String {
    format!("T#{t}#CONTACT#{c}")
}

pub fn contact_by_email(t: &str, email_sha256: &str) -> Key {
    Key::new(format!("T#{t}#EMAIL#{email_sha256}"), "CONTACT")
}

pub fn contact_by_phone(t: &str, phone_sha256: &str) -> Key {
    Key::new(format!("T#{t}#PHONE#{phone_sha256}"), "CONTACT")
}

/// A contact's enrollments, listed from the contact partition.
pub fn contact_enrollment(t: &str, c: &str, e: &str) -> Key {
    Key::new(contact_pk(t, c), format!("{CONTACT_ENROLLMENT_PREFIX}{e}"))
}

pub const CONTACT_ENROLLMENT_PREFIX: &str = "ENR#";

pub fn consent(t: &str, c: &str, channel: Channel, at: Timestamp, seq: &str) -> Key {
    Key::new(contact_pk(t, c), format!("CONSENT#{channel}#{at}#{seq}"))
}

/// Per-enrollment partition: the enrollment record, its step states and timeline.
pub fn enrollment_pk(t: &str, e: &str, c: &str) -> String {
    format!("T#{t}#ENR#{e}#{c}")
}

pub fn enrollment(t: &str, e: &str, c: &str) -> Key {
    Key::new(enrollment_pk(t, e, c), "META")
}

/// A send's record, written once the provider answered (its claim is in
/// the send ledger, `send_ledger`).
pub fn step_state(t: &str, e: &str, c: &str, step: &str, channel: Channel) -> Key {
    Key::new(
        enrollment_pk(t, e, c),
        format!("{STEP_PREFIX}{step}#{channel}"),
    )
}

pub const STEP_PREFIX: &str = "STEP#";

pub fn timeline_entry(t: &str, e: &str, c: &str, at: Timestamp, seq: &str) -> Key {
    Key::new(
        enrollment_pk(t, e, c),
        format!("{TIMELINE_PREFIX}{at}#{seq}"),
    )
}

pub const TIMELINE_PREFIX: &str = "TL#";

/// Enrollment ids map to (event, contact) for the timeline route.
pub fn enrollment_by_id(t: &str, enrollment_id: &str) -> Key {
    Key::new(format!("T#{t}#ENRID#{enrollment_id}"), "META")
}

/// Where a send's outcome was copied before sends were one record (the
/// step state): read only for such older data (the first-SMS check, the
/// analytics export).
pub fn message(t: &str, c: &str, at: Timestamp, id: &str) -> Key {
    Key::new(contact_pk(t, c), format!("MSG#{at}#{id}"))
}

/// GSI1 key to find a message by the provider's id (webhooks).
pub fn message_by_provider_id(provider: &str, provider_id: &str) -> Key {
    Key::new(format!("PMID#{provider}#{provider_id}"), "MSG")
}

pub fn funnel_version(t: &str, f: &str, version: u64) -> Key {
    Key::new(funnel_pk(t, f), format!("V#{version:06}"))
}

/// The funnel's latest-version pointer.
pub fn funnel_head(t: &str, f: &str) -> Key {
    Key::new(funnel_pk(t, f), "HEAD")
}

pub fn funnel_pk(t: &str, f: &str) -> String {
    format!("T#{t}#FUNNEL#{f}")
}

pub fn suppression(t: &str, channel: Channel, address_sha256: &str) -> Key {
    Key::new(format!("T#{t}#SUPPRESS#{channel}#{address_sha256}"), "META")
}

pub fn idempotency(t: &str, idempotency_key_sha256: &str) -> Key {
    Key::new(format!("T#{t}#IDEM#{idempotency_key_sha256}"), "META")
}

/// A Zoom registrant of an event → the contact it was added for (written
/// with the enrollment). Registrant ids come from Zoom: hashed unless plain.
pub fn zoom_registrant(t: &str, e: &str, registrant_id: &str) -> Key {
    Key::new(
        event_pk(t, e),
        format!("{ZOOM_REGISTRANT_PREFIX}{}", outside_id(registrant_id)),
    )
}

pub const ZOOM_REGISTRANT_PREFIX: &str = "ZOOMREG#";

/// The events a Zoom meeting or webinar id belongs to (one item each, with
/// `tenantId` and `eventId`): Zoom's webhooks name only the meeting.
pub fn zoom_meeting_pk(meeting_id: &str) -> String {
    format!("ZOOM#{}", outside_id(meeting_id))
}

pub fn zoom_meeting_event(meeting_id: &str, t: &str, e: &str) -> Key {
    Key::new(zoom_meeting_pk(meeting_id), format!("T#{t}#EVENT#{e}"))
}

/// An id from outside as a key part: kept when it is a plain token, else
/// its SHA-256 (keys never hold `#`).
pub fn outside_id(id: &str) -> String {
    let plain = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if plain {
        id.to_string()
    } else {
        format!("sha256:{}", sha256_hex(id))
    }
}

pub fn webhook_dedup(provider: &str, event_id: &str) -> Key {
    Key::new(format!("WH#{provider}#{event_id}"), "META")
}

/// The tenant of a tenant-scoped partition key (`T#{t}#...`), e.g. of a
/// message found through GSI1 by a webhook that only knows the provider's id.
pub fn tenant_of_pk(pk: &str) -> Option<&str> {
    let rest = pk.strip_prefix("T#")?;
    let (tenant, _) = rest.split_once('#')?;
    (!tenant.is_empty()).then_some(tenant)
}

pub fn audit(t: &str, at: Timestamp, id: &str) -> Key {
    let day = at.strftime("%Y-%m-%d");
    Key::new(format!("T#{t}#AUDIT#{day}"), format!("{at}#{id}"))
}

/// The send ledger of a contact, channel and local day: the claims and
/// the daily cap's count (`send_ledger`).
pub fn send_ledger(t: &str, c: &str, channel: Channel, day: &str) -> Key {
    Key::new(contact_pk(t, c), format!("COUNT#{channel}#{day}"))
}

/// Lowercase hex SHA-256, used for every hashed key part.
pub fn sha256_hex(input: &str) -> String {
    format!("{:x}", Sha256::digest(input.as_bytes()))
}

/// Emails compare trimmed and case-insensitively.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_documented_design() {
        assert_eq!(event("t1", "e1"), Key::new("T#t1#EVENT#e1", "META"));
        assert_eq!(registration("t1", "e1", "c1").sk, "REG#c1");
        assert_eq!(
            step_state("t", "e", "c", "welcome", Channel::Sms).sk,
            "STEP#welcome#sms"
        );
        assert_eq!(funnel_version("t", "f", 42).sk, "V#000042");
        let at: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        assert_eq!(audit("t", at, "x").pk, "T#t#AUDIT#2026-12-01");
    }

    #[test]
    fn zoom_keys_keep_plain_ids_and_hash_others() {
        assert_eq!(
            zoom_registrant("t", "e", "fdgsfh2ey82fuh"),
            Key::new("T#t#EVENT#e", "ZOOMREG#fdgsfh2ey82fuh")
        );
        assert!(zoom_registrant("t", "e", "a#b")
            .sk
            .starts_with("ZOOMREG#sha256:"));
        assert!(!zoom_registrant("t", "e", "x")
            .sk
            .starts_with(REGISTRATION_PREFIX));
        assert_eq!(
            zoom_meeting_event("85746065123", "t", "e"),
            Key::new("ZOOM#85746065123", "T#t#EVENT#e")
        );
    }

    #[test]
    fn tenant_is_read_back_from_scoped_partition_keys() {
        let key = message("t1", "c1", "2026-12-01T10:00:00Z".parse().unwrap(), "m1");
        assert_eq!(tenant_of_pk(&key.pk), Some("t1"));
        assert_eq!(tenant_of_pk(&webhook_dedup("twilio", "x").pk), None);
        assert_eq!(tenant_of_pk("T##CONTACT#c"), None);
    }

    #[test]
    fn emails_normalise_and_hash_stably() {
        assert_eq!(normalize_email("  Ada@Example.COM "), "ada@example.com");
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
