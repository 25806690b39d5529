//! Daylight-saving transitions: wall-clock anchoring (`days_before_event` +
//! `at`) and quiet hours on spring-forward and fall-back days, in zones on
//! both sides of the Atlantic.

use crate::common::*;

fn day_before_at(at: &str, days: u32) -> myx_core::Funnel {
    funnel_with(
        "min_gap: 0m",
        &format!("- {{ id: d, channels: [email], template: t, send: {{ days_before_event: {days}, at: \"{at}\" }} }}"),
        "",
    )
}

fn nominal(zone: &str, start: &str, at: &str, days: u32) -> String {
    let f = day_before_at(at, days);
    let end = ts(start)
        .checked_add(jiff::SignedDuration::from_hours(1))
        .unwrap()
        .to_string();
    let input = Input {
        start,
        end: &end,
        registered: "2026-01-01T00:00:00Z",
        zone,
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    find(&sends, "d", "email").nominal_at.clone()
}

// New York springs forward on 2027-03-14 at 02:00 EST -> 03:00 EDT.
#[test]
fn new_york_spring_forward() {
    let start = "2027-03-15T13:00:00Z"; // 09:00 EDT on Monday
                                        // 09:00 on the transition day is already EDT (UTC-4).
    assert_eq!(
        nominal("America/New_York", start, "09:00", 1),
        "2027-03-14T13:00:00Z"
    );
    // The day before is still EST (UTC-5).
    assert_eq!(
        nominal("America/New_York", start, "09:00", 2),
        "2027-03-13T14:00:00Z"
    );
    // 02:30 does not exist that day: it moves forward by the gap to 03:30 EDT.
    assert_eq!(
        nominal("America/New_York", start, "02:30", 1),
        "2027-03-14T07:30:00Z"
    );
}

// New York falls back on 2026-11-01 at 02:00 EDT -> 01:00 EST.
#[test]
fn new_york_fall_back() {
    let start = "2026-11-02T14:00:00Z"; // 09:00 EST on Monday
    assert_eq!(
        nominal("America/New_York", start, "09:00", 1),
        "2026-11-01T14:00:00Z"
    );
    assert_eq!(
        nominal("America/New_York", start, "09:00", 2),
        "2026-10-31T13:00:00Z"
    );
    // 01:30 happens twice: the first occurrence (EDT, UTC-4) is used.
    assert_eq!(
        nominal("America/New_York", start, "01:30", 1),
        "2026-11-01T05:30:00Z"
    );
}

// Berlin springs forward on 2027-03-28 at 02:00 CET -> 03:00 CEST.
#[test]
fn berlin_spring_forward() {
    let start = "2027-03-29T08:00:00Z"; // 10:00 CEST
    assert_eq!(
        nominal("Europe/Berlin", start, "10:00", 1),
        "2027-03-28T08:00:00Z"
    );
    assert_eq!(
        nominal("Europe/Berlin", start, "10:00", 2),
        "2027-03-27T09:00:00Z"
    );
    assert_eq!(
        nominal("Europe/Berlin", start, "02:15", 1),
        "2027-03-28T01:15:00Z"
    );
}

// Berlin falls back on 2026-10-25 at 03:00 CEST -> 02:00 CET.
#[test]
fn berlin_fall_back() {
    let start = "2026-10-26T09:00:00Z"; // 10:00 CET
    assert_eq!(
        nominal("Europe/Berlin", start, "10:00", 1),
        "2026-10-25T09:00:00Z"
    );
    assert_eq!(
        nominal("Europe/Berlin", start, "10:00", 2),
        "2026-10-24T08:00:00Z"
    );
    // 02:30 happens twice; first occurrence is CEST (UTC+2).
    assert_eq!(
        nominal("Europe/Berlin", start, "02:30", 1),
        "2026-10-25T00:30:00Z"
    );
}

fn sms_at(registered: &str, zone: &str, quiet: &str) -> Option<String> {
    let f = funnel_with(
        quiet,
        "- { id: w, channels: [sms], template: t, send: { after_registration: 0m } }",
        "",
    );
    let input = Input {
        start: "2027-06-01T12:00:00Z",
        end: "2027-06-01T13:00:00Z",
        registered,
        zone,
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    find(&sends, "w", "sms").send_at.clone()
}

#[test]
fn quiet_hours_end_on_dst_days_uses_the_new_offset() {
    // 00:00 EST on 2027-03-14 (05:00Z); 09:00 that morning is EDT = 13:00Z.
    assert_eq!(
        sms_at("2027-03-14T05:00:00Z", "America/New_York", "").as_deref(),
        Some("2027-03-14T13:00:00Z")
    );
    // 00:00 EDT on 2026-11-01 (04:00Z); 09:00 that morning is EST = 14:00Z.
    assert_eq!(
        sms_at("2026-11-01T04:00:00Z", "America/New_York", "").as_deref(),
        Some("2026-11-01T14:00:00Z")
    );
    // Berlin: 23:00 CET on 2027-03-27 (22:00Z) -> 09:00 CEST on 03-28 = 07:00Z.
    assert_eq!(
        sms_at("2027-03-27T22:00:00Z", "Europe/Berlin", "").as_deref(),
        Some("2027-03-28T07:00:00Z")
    );
    // Berlin: 23:00 CEST on 2026-10-24 (21:00Z) -> 09:00 CET on 10-25 = 08:00Z.
    assert_eq!(
        sms_at("2026-10-24T21:00:00Z", "Europe/Berlin", "").as_deref(),
        Some("2026-10-25T08:00:00Z")
    );
}

#[test]
fn quiet_hours_ending_inside_a_dst_gap_move_forward() {
    // Window 22:00-02:30 ends at a wall time that does not exist on 2027-03-14.
    let quiet = "quiet_hours: { start: \"22:00\", end: \"02:30\", channels: [sms] }";
    // 23:00 EST on 03-13 (04:00Z on 03-14) -> 03:30 EDT = 07:30Z.
    assert_eq!(
        sms_at("2027-03-14T04:00:00Z", "America/New_York", quiet).as_deref(),
        Some("2027-03-14T07:30:00Z")
    );
}

#[test]
fn repeated_hour_on_fall_back_is_quiet_both_times() {
    // Window 01:00-01:45; 01:20 happens twice on 2026-11-01 in New York.
    let quiet = "quiet_hours: { start: \"01:00\", end: \"01:45\", channels: [sms] }";
    // First 01:20 (EDT, 05:20Z) -> 01:45 first occurrence = 05:45Z.
    assert_eq!(
        sms_at("2026-11-01T05:20:00Z", "America/New_York", quiet).as_deref(),
        Some("2026-11-01T05:45:00Z")
    );
    // Second 01:20 (EST, 06:20Z) is quiet too; it must not go back in time to
    // the first 01:45, so it waits for the second one (EST) = 06:45Z.
    assert_eq!(
        sms_at("2026-11-01T06:20:00Z", "America/New_York", quiet).as_deref(),
        Some("2026-11-01T06:45:00Z")
    );
}
