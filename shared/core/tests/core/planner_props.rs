//! Property tests: the planner's invariants over random funnels, events,
//! registrations, zones (DST days included) and consents.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use myx_core::funnel::{Condition, Defaults, Phase, PostEvent, QuietHours, SendRule, Step};
use myx_core::planner::quiet_hours::{defer, is_quiet};
use myx_core::planner::Status;
use myx_core::{
    plan, Branch, Channel, ChannelSet, ClockTime, Duration, EventWindow, Funnel, Registration,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

const ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Pacific/Auckland",
];

fn channels() -> impl Strategy<Value = Vec<Channel>> {
    prop_oneof![
        Just(vec![Channel::Email]),
        Just(vec![Channel::Sms]),
        Just(vec![Channel::Email, Channel::Sms]),
    ]
}

fn clock() -> impl Strategy<Value = ClockTime> {
    (0i8..24, 0i8..60).prop_map(|(h, m)| ClockTime::new(h, m).unwrap())
}

fn pre_rule() -> impl Strategy<Value = SendRule> {
    prop_oneof![
        (0u32..3 * 24 * 60).prop_map(|m| SendRule::AfterRegistration(Duration::from_mins(m))),
        (0u32..14 * 24 * 60).prop_map(|m| SendRule::BeforeEvent(Duration::from_mins(m))),
        (0u32..10, clock()).prop_map(|(days, at)| SendRule::DaysBeforeEvent { days, at }),
    ]
}

fn step(rule: impl Strategy<Value = SendRule>) -> impl Strategy<Value = Step> {
    (rule, any::<bool>(), channels(), any::<bool>()).prop_map(|(send, flexible, channels, cond)| {
        Step {
            id: String::new(),
            channels,
            template: "t".into(),
            send,
            flexible,
            when: cond.then(|| Condition::Opened("x".into())),
            unless: None,
            variants: vec![],
        }
    })
}

fn funnel() -> impl Strategy<Value = Funnel> {
    let post = || {
        proptest::collection::vec(
            step((0u32..5 * 24 * 60).prop_map(|m| SendRule::AfterEventEnd(Duration::from_mins(m)))),
            0..3,
        )
    };
    (
        proptest::collection::vec(step(pre_rule()), 1..10),
        post(),
        post(),
        0u32..6 * 60,
        any::<bool>(),
        clock(),
        clock(),
        prop_oneof![
            Just(vec![]),
            Just(vec![Channel::Sms]),
            Just(vec![Channel::Email, Channel::Sms])
        ],
    )
        .prop_filter("quiet hours need start != end", |t| t.5 != t.6)
        .prop_map(
            |(mut pre, mut attended, mut no_show, gap, compress, qs, qe, qc)| {
                for (n, s) in pre
                    .iter_mut()
                    .chain(attended.iter_mut())
                    .chain(no_show.iter_mut())
                    .enumerate()
                {
                    s.id = format!("s{n}");
                }
                Funnel {
                    id: "p".into(),
                    name: "prop".into(),
                    description: None,
                    defaults: Defaults {
                        quiet_hours: QuietHours {
                            start: qs,
                            end: qe,
                            channels: qc,
                        },
                        min_gap: Duration::from_mins(gap),
                        compress,
                        daily_cap: BTreeMap::new(),
                    },
                    pre_event: pre,
                    post_event: PostEvent { attended, no_show },
                    templates: BTreeMap::new(),
                }
            },
        )
}

#[derive(Debug)]
struct Case {
    event: EventWindow,
    registered: Timestamp,
    tz: TimeZone,
    consent: ChannelSet,
    branch: Option<Branch>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0i64..2 * 365 * 24 * 60,       // event start, minutes after 2026-01-01
        30i64..5 * 24 * 60,            // event length, minutes
        -2 * 24 * 60i64..20 * 24 * 60, // registration, minutes before start
        0usize..ZONES.len(),
        channels(),
        prop_oneof![
            Just(None),
            Just(Some(Branch::Attended)),
            Just(Some(Branch::NoShow))
        ],
        0i64..60,
    )
        .prop_map(|(start, len, before, zone, consent, branch, secs)| {
            let base: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
            let start = base + SignedDuration::from_mins(start);
            Case {
                event: EventWindow {
                    start,
                    end: start + SignedDuration::from_mins(len),
                },
                registered: start - SignedDuration::from_mins(before)
                    + SignedDuration::from_secs(secs),
                tz: TimeZone::get(ZONES[zone]).unwrap(),
                consent: consent.into_iter().collect(),
                branch,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn planner_invariants(f in funnel(), c in case()) {
        let reg = Registration { at: c.registered, timezone: c.tz.clone(), channels: c.consent, contact_id: Some("c") };
        let p = plan(&f, c.event, &reg, c.branch).unwrap();
        let s_start = c.event.start;
        let gap = f.defaults.min_gap.as_signed();
        let quiet = &f.defaults.quiet_hours;
        let kept: Vec<_> = p.sends.iter().filter(|s| s.status.is_kept()).collect();

        // Every (step, channel) of the relevant phases appears exactly once.
        let expected: usize = f.steps()
            .filter(|(ph, _)| match (ph, c.branch) { (Phase::PostEvent(b), Some(chosen)) => *b == chosen, _ => true })
            .map(|(_, s)| s.channels.len()).sum();
        prop_assert_eq!(p.sends.len(), expected);

        for s in &p.sends {
            // Status, reason and time are consistent.
            match s.status {
                Status::Skipped => prop_assert!(s.reason.is_some() && s.send_at.is_none()),
                Status::Pending => prop_assert!(s.reason.is_none() && s.send_at.is_none() && c.branch.is_none()),
                Status::Scheduled | Status::Conditional => {
                    prop_assert!(s.reason.is_none() && s.send_at.is_some());
                    prop_assert_eq!(s.status == Status::Conditional, s.step.is_conditional());
                }
            }
            if !c.consent.contains(s.channel) {
                prop_assert_eq!(s.status, Status::Skipped);
            }
        }

        for s in &kept {
            let at = s.send_at.unwrap();
            prop_assert!(c.consent.contains(s.channel));
            // Pre-event sends land in [r, S): never before registration, never at or after start.
            if s.phase == Phase::PreEvent {
                prop_assert!(at >= c.registered, "{} at {} before registration {}", s.step.id, at, c.registered);
                prop_assert!(at < s_start, "{} at {} not before start {}", s.step.id, at, s_start);
            }
            // Nothing inside quiet hours on the channels they name.
            if quiet.applies_to(s.channel) {
                prop_assert!(!is_quiet(at, &c.tz, quiet), "{} at {} is inside quiet hours", s.step.id, at);
            }
            // Fixed steps are exactly at their nominal time (or at the end of the
            // quiet hours their nominal time fell in).
            if !s.step.flexible {
                let want = if quiet.applies_to(s.channel) {
                    defer(s.nominal_at, &c.tz, quiet).unwrap_or(s.nominal_at)
                } else {
                    s.nominal_at
                };
                prop_assert_eq!(at, want, "fixed step {} moved", &s.step.id);
            }
            // Flexible sends keep min_gap from every other kept send on the channel.
            if s.step.flexible {
                for k in &kept {
                    if std::ptr::eq(*k, *s) || k.channel != s.channel { continue; }
                    let d = at.duration_since(k.send_at.unwrap()).abs();
                    prop_assert!(d >= gap, "{} and {} on {} only {:?} apart (min_gap {:?})", s.step.id, k.step.id, s.channel, d, gap);
                }
            }
        }

        // Flexible event-anchored steps keep their order on each channel.
        for ch in Channel::ALL {
            let mut flex: Vec<_> = kept.iter()
                .filter(|s| s.channel == ch && s.step.flexible && s.step.send.is_event_anchored_pre())
                .map(|s| (s.nominal_at, s.send_at.unwrap()))
                .collect();
            flex.sort();
            for w in flex.windows(2) {
                prop_assert!(w[0].1 <= w[1].1, "order changed: {:?}", flex);
            }
        }

        // Output order: by send time (none last), then step order.
        for w in p.sends.windows(2) {
            let key = |s: &myx_core::PlannedSend| (s.send_at.is_none(), s.send_at, s.step_index);
            prop_assert!(key(&w[0]) <= key(&w[1]));
        }
    }
}
