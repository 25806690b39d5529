use crate::common::{full_context, minimal_context, ts, zone};
use myx_compose::MessageContext;
use myx_core::template_vars::{CUSTOM_PREFIX, VARIABLES};
use serde_json::{json, Value};

fn text(ctx: &MessageContext, name: &str) -> String {
    match ctx.variables().get(name) {
        Some(Value::String(s)) => s.clone(),
        other => panic!("{name}: expected a string, got {other:?}"),
    }
}

#[test]
fn every_documented_variable_is_provided_and_nothing_else() {
    let vars = full_context().variables();
    for (name, _) in VARIABLES {
        let value = vars.get(name);
        assert!(
            matches!(value, Some(Value::String(s)) if !s.is_empty()),
            "documented variable {name} is not provided: {value:?}"
        );
    }
    let mut expected: Vec<&str> = VARIABLES.iter().map(|(name, _)| *name).collect();
    expected.push(CUSTOM_PREFIX);
    expected.sort();
    let mut provided: Vec<&str> = vars.names().collect();
    provided.sort();
    assert_eq!(provided, expected);
}

#[test]
fn event_times_are_shown_in_the_recipients_zone() {
    let ctx = full_context();
    assert_eq!(
        text(&ctx, "event_start"),
        "Thursday, December 10 at 12:00 PM EST"
    );
    assert_eq!(text(&ctx, "event_date"), "December 10");
    assert_eq!(text(&ctx, "event_time"), "12:00 PM EST");
    assert_eq!(text(&ctx, "event_timezone"), "America/New_York");
}

#[test]
fn the_event_zone_is_used_when_the_recipients_is_unknown() {
    let ctx = MessageContext {
        recipient_zone: None,
        ..full_context()
    };
    assert_eq!(
        text(&ctx, "event_start"),
        "Thursday, December 10 at 5:00 PM GMT"
    );
    assert_eq!(text(&ctx, "event_timezone"), "Europe/London");
}

#[test]
fn the_local_date_can_differ_from_the_utc_date() {
    let ctx = MessageContext {
        recipient_zone: Some(zone("Asia/Tokyo")),
        ..full_context()
    };
    assert_eq!(
        text(&ctx, "event_start"),
        "Friday, December 11 at 2:00 AM JST"
    );
    assert_eq!(text(&ctx, "event_date"), "December 11");
}

#[test]
fn daylight_saving_time_shows_in_the_abbreviation() {
    let ctx = MessageContext {
        event_start: ts("2026-07-09T16:00:00Z"),
        ..full_context()
    };
    assert_eq!(
        text(&ctx, "event_start"),
        "Thursday, July 9 at 12:00 PM EDT"
    );
    assert_eq!(text(&ctx, "event_time"), "12:00 PM EDT");
}

#[test]
fn morning_hours_and_minutes_are_not_padded_oddly() {
    let ctx = MessageContext {
        event_start: ts("2026-12-10T14:05:00Z"),
        ..full_context()
    };
    assert_eq!(text(&ctx, "event_time"), "9:05 AM EST");
}

#[test]
fn unknown_optional_values_are_left_undefined() {
    let vars = minimal_context().variables();
    for name in [
        "email",
        "join_url",
        "replay_url",
        "calendar_url",
        "google_calendar_url",
        "outlook_calendar_url",
        "unsubscribe_url",
    ] {
        assert_eq!(vars.get(name), None, "{name} should be undefined");
    }
    assert_eq!(vars.get("custom"), Some(&json!({})));
}

#[test]
fn custom_fields_are_nested_and_nulls_left_out() {
    let mut ctx = full_context();
    ctx.custom.insert("referrer".into(), Value::Null);
    let vars = ctx.variables();
    assert_eq!(
        vars.get("custom.company"),
        Some(&json!("Analytical Engines Ltd"))
    );
    assert_eq!(vars.get("custom.seats"), Some(&json!(3)));
    assert_eq!(vars.get("custom.referrer"), None);
    assert_eq!(vars.get("custom.missing"), None);
    assert_eq!(vars.get("first_name.deeper"), None);
}

#[test]
fn a_zone_without_a_name_is_shown_by_its_offset() {
    let offset = jiff::tz::offset(-5);
    let ctx = MessageContext {
        recipient_zone: Some(jiff::tz::TimeZone::fixed(offset)),
        ..full_context()
    };
    assert_eq!(text(&ctx, "event_timezone"), offset.to_string());
    assert!(text(&ctx, "event_start").starts_with("Thursday, December 10 at 12:00 PM"));
}

#[test]
fn debug_output_holds_no_personal_data() {
    let ctx = full_context();
    let shown = format!("{ctx:?} {:?}", ctx.variables());
    for personal in [
        "Ada",
        "Lovelace",
        "ada@example.com",
        "pwd=abc",
        "token=",
        "Analytical",
    ] {
        assert!(!shown.contains(personal), "{personal} in {shown}");
    }
    assert!(shown.contains("Rust for Funnels") && shown.contains("first_name"));
}
