//! One or more tests per planner rule (see `myx_core::planner`).

use crate::common::*;
use myx_core::{Branch, Channel, ChannelSet};

fn email_only() -> ChannelSet {
    [Channel::Email].into_iter().collect()
}

// Rule 1: nominal times.
#[test]
fn nominal_time_for_each_kind_of_send_rule() {
    let f = funnel_with(
        "",
        "- { id: a, channels: [email], template: t, send: { after_registration: 90m } }\n\
         - { id: b, channels: [email], template: t, send: { before_event: 24h } }\n\
         - { id: c, channels: [email], template: t, send: { days_before_event: 1, at: \"09:00\" } }",
        "attended:\n  - { id: d, channels: [email], template: t, send: { after_event_end: 1h } }",
    );
    let input = Input {
        zone: "America/New_York",
        branch: Some(Branch::Attended),
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    assert_eq!(
        outcome(&sends, "a", "email"),
        scheduled("2026-12-01T16:30:00Z")
    );
    assert_eq!(
        outcome(&sends, "b", "email"),
        scheduled("2026-12-09T17:00:00Z")
    );
    // 09:00 EST on Dec 9 (the local date of the 12:00 EST start, minus one day).
    assert_eq!(
        outcome(&sends, "c", "email"),
        scheduled("2026-12-09T14:00:00Z")
    );
    assert_eq!(
        outcome(&sends, "d", "email"),
        scheduled("2026-12-10T19:00:00Z")
    );
    assert_eq!(
        find(&sends, "c", "email").nominal_at,
        "2026-12-09T14:00:00Z"
    );
}

#[test]
fn days_before_event_uses_the_local_date_of_the_start() {
    // 17:00Z on Dec 10 is already Dec 11 in Tokyo (02:00 JST): one day before is Dec 10 local.
    let f = funnel_with(
        "",
        "- { id: c, channels: [email], template: t, send: { days_before_event: 1, at: \"20:00\" } }",
        "",
    );
    let input = Input {
        zone: "Asia/Tokyo",
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    assert_eq!(
        outcome(&sends, "c", "email"),
        scheduled("2026-12-10T11:00:00Z")
    );
}

// Rule 2: nothing pre-event at or after the start.
#[test]
fn pre_event_send_at_or_after_start_is_skipped() {
    let f = funnel_with(
        "",
        "- { id: late, channels: [email], template: t, send: { after_registration: 3d } }\n\
         - { id: at-start, channels: [email], template: t, send: { before_event: 0m } }\n\
         - { id: same-day, channels: [email], template: t, send: { days_before_event: 0, at: \"23:00\" } }\n\
         - { id: fine, channels: [email], template: t, send: { before_event: 1s } }",
        "",
    );
    let input = Input {
        registered: "2026-12-09T17:00:00Z",
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    assert_eq!(
        outcome(&sends, "late", "email"),
        skipped("after_event_start")
    );
    assert_eq!(
        outcome(&sends, "at-start", "email"),
        skipped("after_event_start")
    );
    assert_eq!(
        outcome(&sends, "same-day", "email"),
        skipped("after_event_start")
    );
    assert_eq!(
        outcome(&sends, "fine", "email"),
        scheduled("2026-12-10T16:59:59Z")
    );
}

// Rule 3: fixed steps in the past.
#[test]
fn fixed_step_before_registration_is_past() {
    let f = funnel_with(
        "",
        "- { id: week, channels: [email], template: t, send: { before_event: 7d } }\n\
         - { id: day, channels: [email], template: t, send: { before_event: 24h } }",
        "",
    );
    let input = Input {
        registered: "2026-12-08T17:00:00Z",
        ..Input::default()
    };
    let (compressed, sends) = run(&f, &input);
    assert!(!compressed, "no flexible steps, nothing to compress");
    assert_eq!(outcome(&sends, "week", "email"), skipped("past"));
    assert_eq!(
        outcome(&sends, "day", "email"),
        scheduled("2026-12-09T17:00:00Z")
    );
}

// Rule 4: compression.
const NURTURE: &str =
    "- { id: n7, channels: [email], template: t, send: { before_event: 7d }, flexible: true }\n\
     - { id: n5, channels: [email], template: t, send: { before_event: 5d }, flexible: true }\n\
     - { id: n3, channels: [email], template: t, send: { before_event: 3d }, flexible: true }\n\
     - { id: n1, channels: [email], template: t, send: { before_event: 1d }, flexible: true }";

#[test]
fn seven_day_sequence_compresses_into_two_days_in_order() {
    let f = funnel_with("min_gap: 0m", NURTURE, "");
    let input = Input {
        registered: "2026-12-08T17:00:00Z", // 48h before
        ..Input::default()
    };
    let (compressed, sends) = run(&f, &input);
    assert!(compressed);
    // t' = r + (t - (S - 7d)) * 48h / 168h
    assert_eq!(
        outcome(&sends, "n7", "email"),
        scheduled("2026-12-08T17:00:00Z")
    );
    // 2d * 2/7 = 13h42m51.43s, rounded up to the second
    assert_eq!(
        outcome(&sends, "n5", "email"),
        scheduled("2026-12-09T06:42:52Z")
    );
    // 4d * 2/7 = 27h25m42.86s
    assert_eq!(
        outcome(&sends, "n3", "email"),
        scheduled("2026-12-09T20:25:43Z")
    );
    // 6d * 2/7 = 41h08m34.29s
    assert_eq!(
        outcome(&sends, "n1", "email"),
        scheduled("2026-12-10T10:08:35Z")
    );
}

#[test]
fn early_registrant_is_not_compressed() {
    let f = funnel_with("min_gap: 0m", NURTURE, "");
    let input = Input {
        registered: "2026-12-03T17:00:00Z", // exactly the window start
        ..Input::default()
    };
    let (compressed, sends) = run(&f, &input);
    assert!(!compressed);
    assert_eq!(
        outcome(&sends, "n7", "email"),
        scheduled("2026-12-03T17:00:00Z")
    );
    assert_eq!(
        outcome(&sends, "n1", "email"),
        scheduled("2026-12-09T17:00:00Z")
    );
}

#[test]
fn compression_off_skips_flexible_steps_in_the_past() {
    let f = funnel_with("compress: false\nmin_gap: 0m", NURTURE, "");
    let input = Input {
        registered: "2026-12-08T17:00:00Z",
        ..Input::default()
    };
    let (compressed, sends) = run(&f, &input);
    assert!(!compressed);
    assert_eq!(outcome(&sends, "n7", "email"), skipped("past"));
    assert_eq!(outcome(&sends, "n5", "email"), skipped("past"));
    assert_eq!(outcome(&sends, "n3", "email"), skipped("past"));
    assert_eq!(
        outcome(&sends, "n1", "email"),
        scheduled("2026-12-09T17:00:00Z")
    );
}

#[test]
fn window_span_includes_fixed_steps_and_days_before_event() {
    // The fixed 10-day step widens the window to 10 days; the flexible 5d step maps accordingly.
    let f = funnel_with(
        "min_gap: 0m",
        "- { id: far, channels: [email], template: t, send: { days_before_event: 10, at: \"17:00\" } }\n\
         - { id: n5, channels: [email], template: t, send: { before_event: 5d }, flexible: true }",
        "",
    );
    let input = Input {
        registered: "2026-12-05T17:00:00Z", // 5 days before: factor 1/2
        ..Input::default()
    };
    let (compressed, sends) = run(&f, &input);
    assert!(compressed);
    assert_eq!(outcome(&sends, "far", "email"), skipped("past"));
    // t - W0 = 5d, * 1/2 = 2.5d after r
    assert_eq!(
        outcome(&sends, "n5", "email"),
        scheduled("2026-12-08T05:00:00Z")
    );
}

#[test]
fn after_registration_steps_are_not_compressed() {
    let f = funnel_with(
        "min_gap: 0m",
        "- { id: ar, channels: [email], template: t, send: { after_registration: 6h }, flexible: true }\n\
         - { id: n7, channels: [email], template: t, send: { before_event: 7d }, flexible: true }",
        "",
    );
    let input = Input {
        registered: "2026-12-08T17:00:00Z",
        ..Input::default()
    };
    let (compressed, sends) = run(&f, &input);
    assert!(compressed);
    assert_eq!(
        outcome(&sends, "ar", "email"),
        scheduled("2026-12-08T23:00:00Z")
    );
}

#[test]
fn registrant_after_start_gets_no_pre_event_send() {
    let f = funnel_with(
        "",
        &format!("- {{ id: w, channels: [email], template: t, send: {{ after_registration: 0m }} }}\n{NURTURE}"),
        "",
    );
    let input = Input {
        registered: "2026-12-10T17:30:00Z",
        ..Input::default()
    };
    let (compressed, sends) = run(&f, &input);
    assert!(!compressed);
    assert!(sends.iter().all(|s| s.status == "skipped"), "{sends:#?}");
    assert_eq!(outcome(&sends, "w", "email"), skipped("after_event_start"));
    assert_eq!(outcome(&sends, "n1", "email"), skipped("past"));
}

// Rule 5: quiet hours.
#[test]
fn sms_in_quiet_hours_moves_to_their_end_and_email_does_not() {
    let f = funnel_with(
        "",
        "- { id: w, channels: [email, sms], template: t, send: { after_registration: 0m } }",
        "",
    );
    let input = Input {
        registered: "2026-12-01T22:30:00Z",
        zone: "Europe/London",
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    assert_eq!(
        outcome(&sends, "w", "email"),
        scheduled("2026-12-01T22:30:00Z")
    );
    assert_eq!(
        outcome(&sends, "w", "sms"),
        scheduled("2026-12-02T09:00:00Z")
    );
    let early = Input {
        registered: "2026-12-02T03:10:00Z",
        zone: "Europe/London",
        ..Input::default()
    };
    let (_, sends) = run(&f, &early);
    assert_eq!(
        outcome(&sends, "w", "sms"),
        scheduled("2026-12-02T09:00:00Z")
    );
}

#[test]
fn quiet_hours_are_in_the_recipients_zone() {
    let f = funnel_with(
        "",
        "- { id: w, channels: [sms], template: t, send: { after_registration: 0m } }",
        "",
    );
    // 02:00Z is 21:00 EST the day before: quiet until 09:00 EST = 14:00Z.
    let input = Input {
        registered: "2026-12-02T02:00:00Z",
        zone: "America/New_York",
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    assert_eq!(
        outcome(&sends, "w", "sms"),
        scheduled("2026-12-02T14:00:00Z")
    );
    // 20:59 EST is outside the window.
    let before = Input {
        registered: "2026-12-02T01:59:00Z",
        zone: "America/New_York",
        ..Input::default()
    };
    let (_, sends) = run(&f, &before);
    assert_eq!(
        outcome(&sends, "w", "sms"),
        scheduled("2026-12-02T01:59:00Z")
    );
}

#[test]
fn deferral_past_the_deadline_is_skipped_for_quiet_hours() {
    // Event at 08:00 UTC; the T-1h SMS at 07:00 is quiet until 09:00, after the start.
    let f = funnel_with(
        "",
        "- { id: r1, channels: [email, sms], template: t, send: { before_event: 1h } }",
        "",
    );
    let input = Input {
        start: "2026-12-10T08:00:00Z",
        end: "2026-12-10T09:00:00Z",
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    assert_eq!(outcome(&sends, "r1", "sms"), skipped("quiet_hours"));
    assert_eq!(
        outcome(&sends, "r1", "email"),
        scheduled("2026-12-10T07:00:00Z")
    );
}

#[test]
fn custom_daytime_quiet_window_and_channels() {
    let f = funnel_with(
        "quiet_hours: { start: \"12:00\", end: \"14:00\", channels: [email] }",
        "- { id: w, channels: [email, sms], template: t, send: { after_registration: 0m } }",
        "",
    );
    let input = Input {
        registered: "2026-12-01T12:00:00Z",
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    assert_eq!(
        outcome(&sends, "w", "email"),
        scheduled("2026-12-01T14:00:00Z")
    );
    assert_eq!(
        outcome(&sends, "w", "sms"),
        scheduled("2026-12-01T12:00:00Z")
    );
}

#[test]
fn post_event_sends_are_deferred_without_deadline() {
    let f = funnel_with(
        "",
        "",
        "no_show:\n  - { id: m, channels: [sms], template: t, send: { after_event_end: 5h } }",
    );
    // E = 18:00Z, +5h = 23:00 UTC: quiet until 09:00 the next day.
    let input = Input {
        branch: Some(Branch::NoShow),
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    assert_eq!(
        outcome(&sends, "m", "sms"),
        scheduled("2026-12-11T09:00:00Z")
    );
}

// Rule 6: min_gap.
#[test]
fn flexible_send_too_close_to_a_fixed_one_is_skipped() {
    let f = funnel_with(
        "",
        "- { id: fixed, channels: [email, sms], template: t, send: { before_event: 24h } }\n\
         - { id: flex, channels: [email], template: t, send: { before_event: 23h }, flexible: true }\n\
         - { id: flex-ok, channels: [email], template: t, send: { before_event: 22h }, flexible: true }",
        "",
    );
    let (_, sends) = run(&f, &Input::default());
    assert_eq!(
        outcome(&sends, "fixed", "email"),
        scheduled("2026-12-09T17:00:00Z")
    );
    assert_eq!(outcome(&sends, "flex", "email"), skipped("min_gap"));
    // exactly min_gap away is fine
    assert_eq!(
        outcome(&sends, "flex-ok", "email"),
        scheduled("2026-12-09T19:00:00Z")
    );
}

#[test]
fn fixed_steps_keep_their_slot_even_when_close() {
    let f = funnel_with(
        "",
        "- { id: a, channels: [email], template: t, send: { before_event: 2h } }\n\
         - { id: b, channels: [email], template: t, send: { before_event: 1h } }",
        "",
    );
    let (_, sends) = run(&f, &Input::default());
    assert_eq!(outcome(&sends, "a", "email").0, "scheduled");
    assert_eq!(outcome(&sends, "b", "email").0, "scheduled");
}

#[test]
fn min_gap_keeps_earliest_flexible_first_and_is_per_channel() {
    let f = funnel_with(
        "",
        "- { id: f1, channels: [email], template: t, send: { before_event: 10h }, flexible: true }\n\
         - { id: f2, channels: [email, sms], template: t, send: { before_event: 9h }, flexible: true }\n\
         - { id: f3, channels: [email], template: t, send: { before_event: 8h }, flexible: true }",
        "",
    );
    let input = Input {
        zone: "Asia/Kolkata", // keep SMS out of quiet hours: 08:00Z is 13:30 IST
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    assert_eq!(
        outcome(&sends, "f1", "email"),
        scheduled("2026-12-10T07:00:00Z")
    );
    assert_eq!(outcome(&sends, "f2", "email"), skipped("min_gap"));
    assert_eq!(
        outcome(&sends, "f2", "sms"),
        scheduled("2026-12-10T08:00:00Z")
    );
    assert_eq!(
        outcome(&sends, "f3", "email"),
        scheduled("2026-12-10T09:00:00Z")
    );
}

// Rule 7: consent and conditions.
#[test]
fn channel_without_consent_is_skipped() {
    let f = funnel_with(
        "",
        "- { id: w, channels: [email, sms], template: t, send: { after_registration: 0m } }",
        "",
    );
    let input = Input {
        channels: email_only(),
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    assert_eq!(outcome(&sends, "w", "sms"), skipped("no_consent"));
    assert_eq!(outcome(&sends, "w", "email").0, "scheduled");
}

#[test]
fn steps_with_conditions_are_conditional_with_a_time() {
    let f = funnel_with(
        "",
        "- { id: a, channels: [email], template: t, send: { before_event: 3d } }\n\
         - { id: b, channels: [email], template: t, send: { before_event: 2d }, if: { opened: a } }\n\
         - { id: c, channels: [email], template: t, send: { before_event: 1d }, unless: { attribute: { name: vip, equals: true } } }",
        "",
    );
    let (_, sends) = run(&f, &Input::default());
    let b = find(&sends, "b", "email");
    assert_eq!(b.status, "conditional");
    assert_eq!(b.send_at.as_deref(), Some("2026-12-08T17:00:00Z"));
    assert_eq!(find(&sends, "c", "email").status, "conditional");
}

// Rule 8: post-event branches.
#[test]
fn without_branch_both_branches_are_pending() {
    let post = "attended:\n  - { id: thanks, channels: [email], template: t, send: { after_event_end: 1h } }\n\
                no_show:\n  - { id: missed, channels: [email, sms], template: t, send: { after_event_end: 1h } }";
    let f = funnel_with("", "", post);
    let input = Input {
        channels: email_only(),
        ..Input::default()
    };
    let (_, sends) = run(&f, &input);
    let thanks = find(&sends, "thanks", "email");
    assert_eq!(
        (thanks.status.as_str(), thanks.branch.as_deref()),
        ("pending", Some("attended"))
    );
    assert_eq!(thanks.nominal_at, "2026-12-10T19:00:00Z");
    assert_eq!(find(&sends, "missed", "email").status, "pending");
    assert_eq!(outcome(&sends, "missed", "sms"), skipped("no_consent"));

    let attended = Input {
        branch: Some(Branch::Attended),
        ..Input::default()
    };
    let (_, sends) = run(&f, &attended);
    assert_eq!(
        outcome(&sends, "thanks", "email"),
        scheduled("2026-12-10T19:00:00Z")
    );
    assert!(
        sends.iter().all(|s| s.step != "missed"),
        "other branch listed: {sends:#?}"
    );
}

// Output order and variants.
#[test]
fn sends_are_ordered_by_time_then_step_order_with_nulls_last() {
    let f = funnel_with(
        "",
        "- { id: b, channels: [email, sms], template: t, send: { before_event: 1d } }\n\
         - { id: a, channels: [email], template: t, send: { before_event: 1d } }\n\
         - { id: gone, channels: [email], template: t, send: { before_event: 30d } }\n\
         - { id: first, channels: [email], template: t, send: { before_event: 2d } }",
        "",
    );
    let (_, sends) = run(&f, &Input::default());
    let order: Vec<(&str, &str)> = sends
        .iter()
        .map(|s| (s.step.as_str(), s.channel.as_str()))
        .collect();
    assert_eq!(
        order,
        vec![
            ("first", "email"),
            ("b", "email"),
            ("b", "sms"),
            ("a", "email"),
            ("gone", "email")
        ]
    );
}

#[test]
fn variants_are_deterministic_and_follow_weights() {
    let f = funnel_with(
        "",
        "- id: v\n  channels: [email]\n  template: t\n  send: { before_event: 1d }\n  variants:\n    - { id: a, weight: 1, template: t }\n    - { id: b, weight: 3, template: t2 }",
        "",
    );
    let mut b_count = 0;
    for i in 0..4000 {
        let contact = format!("contact-{i}");
        let input = Input {
            contact: Some(&contact),
            ..Input::default()
        };
        let (_, first) = run(&f, &input);
        let (_, second) = run(&f, &input);
        let send = find(&first, "v", "email");
        assert_eq!(
            send,
            find(&second, "v", "email"),
            "assignment must be stable"
        );
        match send.variant.as_deref() {
            Some("b") => {
                assert_eq!(send.template, "t2");
                b_count += 1;
            }
            Some("a") => assert_eq!(send.template, "t"),
            other => panic!("unexpected variant {other:?}"),
        }
    }
    // weight 3 of 4: expect 3000 ± 5 sigma (sigma ≈ 27)
    assert!(
        (2860..=3140).contains(&b_count),
        "b chosen {b_count} times of 4000"
    );
    let (_, anonymous) = run(&f, &Input::default());
    assert_eq!(find(&anonymous, "v", "email").variant, None);
}

#[test]
fn event_ending_before_it_starts_is_an_error() {
    let f = funnel_with(
        "",
        "- { id: a, channels: [email], template: t, send: { before_event: 1d } }",
        "",
    );
    let reg = myx_core::Registration {
        at: ts("2026-12-01T00:00:00Z"),
        timezone: tz("UTC"),
        channels: ChannelSet::all(),
        contact_id: None,
    };
    let event = myx_core::EventWindow {
        start: ts("2026-12-10T17:00:00Z"),
        end: ts("2026-12-10T16:00:00Z"),
    };
    let err = myx_core::plan(&f, event, &reg, None).unwrap_err();
    assert!(err.to_string().contains("before it starts"), "{err}");
}
