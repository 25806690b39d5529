//! `myx simulate`: the real engine on a virtual clock, as operators run it.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;

const FUNNEL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/funnels/webinar.yaml"
);
const START: &str = "2026-12-10T17:00:00Z";
const END: &str = "2026-12-10T18:00:00Z";
const ATTENDED_STEPS: &[&str] = &["thanks-replay", "offer", "offer-last-call"];
const NO_SHOW_STEPS: &[&str] = &["missed-replay", "replay-reminder", "replay-expiring"];
const PRE_EVENT_STEPS: &[&str] = &[
    "welcome",
    "nurture-story",
    "nurture-mistakes",
    "nurture-case-study",
    "nurture-nudge",
    "day-before",
    "reminder-24h",
    "reminder-1h",
];

fn simulate(extra: &[&str]) -> std::process::Output {
    Command::cargo_bin("myx")
        .unwrap()
        .args([
            "simulate",
            FUNNEL,
            "--event-start",
            START,
            "--event-end",
            END,
        ])
        .args(["--spread", "3d", "--format", "json"])
        .args(extra)
        .output()
        .unwrap()
}

fn simulate_json(extra: &[&str]) -> Value {
    let out = simulate(extra);
    assert!(
        out.status.success(),
        "simulate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn sent_steps(report: &Value) -> Vec<String> {
    report["sends"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn json_report_has_sends_and_a_summary_that_agrees_with_them() {
    let report = simulate_json(&[
        "--registrations",
        "12",
        "--attendance",
        "0.5",
        "--seed",
        "7",
    ]);
    assert_eq!(report["funnel"], "webinar-7day");
    assert_eq!(report["registrations"], 12);
    assert_eq!(report["event"]["start"], START);
    assert_eq!(report["event"]["end"], END);
    let sends = report["sends"].as_array().unwrap();
    assert!(!sends.is_empty());
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for s in sends {
        for field in ["to", "channel", "step", "sentAt"] {
            assert!(s[field].is_string(), "{field} missing in {s}");
        }
        let key = format!(
            "{}/{}",
            s["step"].as_str().unwrap(),
            s["channel"].as_str().unwrap()
        );
        *counted.entry(key).or_default() += 1;
    }
    let summary: BTreeMap<String, u64> =
        serde_json::from_value(report["summary"]["sent"].clone()).unwrap();
    assert_eq!(summary, counted);
    let skipped = report["summary"]["skipped"].as_object().unwrap();
    for (key, n) in skipped {
        assert_eq!(key.split('/').count(), 3, "step/channel/reason: {key}");
        assert!(n.as_u64().unwrap() > 0);
    }
    // Everyone gets the welcome email.
    assert_eq!(summary.get("welcome/email"), Some(&12));
}

#[test]
fn attendance_decides_the_post_event_branch() {
    let none = simulate_json(&["--registrations", "6", "--attendance", "0"]);
    let steps = sent_steps(&none);
    assert!(
        steps.iter().all(|s| !ATTENDED_STEPS.contains(&s.as_str())),
        "{steps:?}"
    );
    assert!(steps.iter().any(|s| NO_SHOW_STEPS.contains(&s.as_str())));

    let all = simulate_json(&["--registrations", "6", "--attendance", "1"]);
    let steps = sent_steps(&all);
    assert!(
        steps.iter().all(|s| !NO_SHOW_STEPS.contains(&s.as_str())),
        "{steps:?}"
    );
    assert!(steps.iter().any(|s| ATTENDED_STEPS.contains(&s.as_str())));
}

#[test]
fn nothing_pre_event_is_sent_at_or_after_the_start() {
    let report = simulate_json(&["--registrations", "15", "--sms-share", "1"]);
    let start: jiff::Timestamp = START.parse().unwrap();
    let mut pre = 0;
    for s in report["sends"].as_array().unwrap() {
        if PRE_EVENT_STEPS.contains(&s["step"].as_str().unwrap()) {
            pre += 1;
            let at: jiff::Timestamp = s["sentAt"].as_str().unwrap().parse().unwrap();
            assert!(at < start, "pre-event send at {at}: {s}");
        }
    }
    assert!(pre > 0);
}

#[test]
fn the_same_seed_gives_the_same_output() {
    let args = [
        "--registrations",
        "10",
        "--seed",
        "99",
        "--timezones",
        "Asia/Tokyo,America/Chicago",
    ];
    let a = simulate(&args);
    let b = simulate(&args);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let table = |_: ()| {
        Command::cargo_bin("myx")
            .unwrap()
            .args([
                "simulate",
                FUNNEL,
                "--event-start",
                START,
                "--event-end",
                END,
            ])
            .args(["--registrations", "4", "--seed", "3"])
            .output()
            .unwrap()
    };
    let (t1, t2) = (table(()), table(()));
    assert!(t1.status.success());
    assert_eq!(t1.stdout, t2.stdout);
    let text = String::from_utf8(t1.stdout).unwrap();
    assert!(text.contains("SKIPPED BY REASON"), "{text}");
}

#[test]
fn bad_arguments_exit_2() {
    let cases: &[&[&str]] = &[
        &["--registrations", "5", "--attendance", "1.5"],
        &["--registrations", "5", "--sms-share", "-0.1"],
        &["--registrations", "0"],
        &["--registrations", "5", "--timezones", "Mars/Olympus"],
        &["--registrations", "5", "--spread", "soon"],
    ];
    for extra in cases {
        let out = simulate(extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("error"),
            "{extra:?}"
        );
    }
    Command::cargo_bin("myx")
        .unwrap()
        .args([
            "simulate",
            FUNNEL,
            "--event-start",
            END,
            "--event-end",
            START,
        ])
        .args(["--registrations", "5"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--event-end"));
    Command::cargo_bin("myx")
        .unwrap()
        .args([
            "simulate",
            FUNNEL,
            "--event-start",
            "tomorrow",
            "--event-end",
            END,
        ])
        .args(["--registrations", "5"])
        .assert()
        .code(2);
    Command::cargo_bin("myx")
        .unwrap()
        .args([
            "simulate",
            FUNNEL,
            "--event-start",
            START,
            "--event-end",
            END,
        ])
        .assert()
        .code(2);
}
