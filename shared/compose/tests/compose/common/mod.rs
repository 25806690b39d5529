//! Fixtures shared by the integration tests.
#![allow(dead_code)]

use jiff::tz::TimeZone;
use jiff::Timestamp;
use myx_compose::MessageContext;
use myx_core::funnel::EmailTemplate;
use serde_json::{json, Map, Value};

pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).expect("test zone")
}

pub const UNSUBSCRIBE_URL: &str = "https://api.example.com/v1/unsubscribe?token=1.abc.def.ghi";

/// A registrant in New York for an event on Thursday 2026-12-10 17:00 UTC,
/// with every value known.
pub fn full_context() -> MessageContext {
    let custom: Map<String, Value> = json!({ "company": "Analytical Engines Ltd", "seats": 3 })
        .as_object()
        .cloned()
        .expect("object");
    MessageContext {
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: Some("ada@example.com".into()),
        event_title: "Rust for Funnels".into(),
        event_start: ts("2026-12-10T17:00:00Z"),
        event_zone: zone("Europe/London"),
        recipient_zone: Some(zone("America/New_York")),
        join_url: Some("https://zoom.example/j/123?pwd=abc&uname=Ada".into()),
        replay_url: Some("https://replay.example/r/9".into()),
        calendar_url: Some("https://api.example.com/v1/events/e1/calendar.ics".into()),
        google_calendar_url: Some(
            "https://calendar.google.com/calendar/render?action=TEMPLATE".into(),
        ),
        outlook_calendar_url: Some("https://outlook.live.com/calendar/0/deeplink/compose".into()),
        business_name: "Acme Webinars".into(),
        postal_address: "1 Main Street\nSpringfield, IL 62701".into(),
        unsubscribe_url: Some(UNSUBSCRIBE_URL.into()),
        custom,
    }
}

/// The same registrant with nothing optional known.
pub fn minimal_context() -> MessageContext {
    MessageContext {
        email: None,
        recipient_zone: None,
        join_url: None,
        replay_url: None,
        calendar_url: None,
        google_calendar_url: None,
        outlook_calendar_url: None,
        unsubscribe_url: None,
        custom: Map::new(),
        ..full_context()
    }
}

pub fn email_template(subject: &str, html: &str, text: Option<&str>) -> EmailTemplate {
    EmailTemplate {
        subject: subject.into(),
        html: html.into(),
        text: text.map(Into::into),
    }
}
