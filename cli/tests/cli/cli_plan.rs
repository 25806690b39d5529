//! `myx funnel plan`: the JSON contract, branches, consent, the table view,
//! and exit codes for bad arguments.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const EVENT_START: &str = "2026-12-10T17:00:00Z";
const EVENT_END: &str = "2026-12-10T18:00:00Z";
/// Well before the compression window (S - 7d = 2026-12-03T17:00:00Z).
const EARLY: &str = "2026-12-01T12:00:00Z";
/// 48 hours before the start: inside the window.
const LATE: &str = "2026-12-08T17:00:00Z";

/// Webinar steps in step order: pre-event, attended, no-show.
const WEBINAR_STEPS: &[&str] = &[
    "welcome",
    "nurture-story",
    "nurture-mistakes",
    "nurture-case-study",
    "nurture-nudge",
    "day-before",
    "reminder-24h",
    "reminder-1h",
    "thanks-replay",
    "offer",
    "offer-last-call",
    "missed-replay",
    "replay-reminder",
    "replay-expiring",
];
const ATTENDED_STEPS: &[&str] = &["thanks-replay", "offer", "offer-last-call"];
const NO_SHOW_STEPS: &[&str] = &["missed-replay", "replay-reminder", "replay-expiring"];

fn webinar() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/funnels/webinar.yaml")
}

fn myx() -> Command {
    Command::cargo_bin("myx").expect("the myx binary is built for integration tests")
}

/// `myx funnel plan webinar.yaml` for the test event, registered at `at`.
fn plan_cmd(at: &str) -> Command {
    let mut cmd = myx();
    cmd.args(["funnel", "plan"]).arg(webinar()).args([
        "--event-start",
        EVENT_START,
        "--event-end",
        EVENT_END,
        "--registered-at",
        at,
    ]);
    cmd
}

fn plan_json(at: &str, extra: &[&str]) -> Value {
    let out = plan_cmd(at)
        .args(["--format", "json"])
        .args(extra)
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("plan --format json prints JSON")
}

fn sends(plan: &Value) -> &Vec<Value> {
    plan["sends"].as_array().expect("sends is an array")
}

fn send<'a>(plan: &'a Value, step: &str, channel: &str) -> &'a Value {
    sends(plan)
        .iter()
        .find(|s| s["step"] == step && s["channel"] == channel)
        .unwrap_or_else(|| panic!("no {step} {channel} send in {plan:#}"))
}

/// A UTC RFC 3339 time as the planner prints it: `YYYY-MM-DDTHH:MM:SSZ`.
fn assert_utc_time(v: &Value, what: &str) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"));
    let b = s.as_bytes();
    let shape_ok = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    assert!(
        shape_ok,
        "{what} = {s:?} is not a UTC RFC 3339 time ending in Z"
    );
}

fn assert_string_in(v: &Value, allowed: &[&str], what: &str) {
    assert!(
        v.as_str().is_some_and(|s| allowed.contains(&s)),
        "{what} = {v} not in {allowed:?}"
    );
}

fn assert_contract(plan: &Value) {
    let top: Vec<&str> = plan
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "funnel",
        "event",
        "registered_at",
        "timezone",
        "compressed",
        "sends",
    ] {
        assert!(top.contains(&key), "missing top-level {key}: {top:?}");
    }
    assert!(plan["funnel"].is_string());
    assert_utc_time(&plan["event"]["start"], "event.start");
    assert_utc_time(&plan["event"]["end"], "event.end");
    assert_utc_time(&plan["registered_at"], "registered_at");
    assert!(plan["timezone"].is_string());
    assert!(plan["compressed"].is_boolean());
    assert!(!sends(plan).is_empty());
    for s in sends(plan) {
        let obj = s.as_object().expect("a send is an object");
        for key in [
            "step",
            "phase",
            "branch",
            "channel",
            "nominal_at",
            "send_at",
            "status",
            "reason",
            "template",
            "variant",
        ] {
            assert!(obj.contains_key(key), "send lacks {key}: {s}");
        }
        assert!(s["step"].is_string() && s["template"].is_string());
        assert_string_in(&s["phase"], &["pre_event", "post_event"], "phase");
        match s["phase"].as_str() {
            Some("pre_event") => assert!(s["branch"].is_null(), "{s}"),
            _ => assert_string_in(&s["branch"], &["attended", "no_show"], "branch"),
        }
        assert_string_in(&s["channel"], &["email", "sms"], "channel");
        assert_utc_time(&s["nominal_at"], "nominal_at");
        if !s["send_at"].is_null() {
            assert_utc_time(&s["send_at"], "send_at");
        }
        assert_string_in(
            &s["status"],
            &["scheduled", "skipped", "conditional", "pending"],
            "status",
        );
        let status = s["status"].as_str().unwrap();
        if status == "skipped" {
            assert_string_in(
                &s["reason"],
                &[
                    "past",
                    "after_event_start",
                    "min_gap",
                    "quiet_hours",
                    "no_consent",
                ],
                "reason",
            );
        } else {
            assert!(
                s["reason"].is_null(),
                "only skipped sends have a reason: {s}"
            );
        }
        // A time exactly when the send goes out.
        assert_eq!(
            s["send_at"].is_null(),
            matches!(status, "skipped" | "pending"),
            "{s}"
        );
        assert!(s["variant"].is_null() || s["variant"].is_string());
    }
    assert_sorted(plan);
}

/// By send_at (nulls last), then step order, then email before sms.
fn assert_sorted(plan: &Value) {
    let key = |s: &Value| {
        let at = s["send_at"].as_str().map(str::to_string);
        let step = s["step"].as_str().unwrap();
        let index = WEBINAR_STEPS
            .iter()
            .position(|x| *x == step)
            .unwrap_or_else(|| panic!("unknown step {step}"));
        let channel = s["channel"].as_str().unwrap().to_string();
        (at.is_none(), at, index, channel)
    };
    let keys: Vec<_> = sends(plan).iter().map(key).collect();
    for pair in keys.windows(2) {
        assert!(
            pair[0] <= pair[1],
            "sends out of order: {:?} before {:?}",
            pair[0],
            pair[1]
        );
    }
}

#[test]
fn json_output_matches_the_contract_for_an_early_registrant() {
    let plan = plan_json(EARLY, &["--timezone", "America/New_York"]);
    assert_contract(&plan);
    assert_eq!(plan["funnel"], "webinar-7day");
    assert_eq!(plan["event"]["start"], EVENT_START);
    assert_eq!(plan["event"]["end"], EVENT_END);
    assert_eq!(plan["registered_at"], EARLY);
    assert_eq!(plan["timezone"], "America/New_York");
    assert_eq!(plan["compressed"], false);
    // 11 pre-event sends + 8 post-event sends.
    assert_eq!(sends(&plan).len(), 19);
    let welcome_sms = send(&plan, "welcome", "sms");
    assert_eq!(welcome_sms["nominal_at"], EARLY);
    // 07:00 EST is quiet for SMS: deferred to 09:00 EST.
    assert_eq!(welcome_sms["send_at"], "2026-12-01T14:00:00Z");
    assert_eq!(
        send(&plan, "nurture-story", "email")["send_at"],
        "2026-12-03T17:00:00Z"
    );
    assert_eq!(
        send(&plan, "nurture-nudge", "email")["status"],
        "conditional"
    );
}

#[test]
fn times_with_offsets_are_reported_in_utc() {
    let plan = plan_json(
        "2026-12-01T07:00:00-05:00",
        &["--timezone", "America/New_York"],
    );
    assert_contract(&plan);
    assert_eq!(plan["registered_at"], EARLY);
}

#[test]
fn late_registrant_is_compressed() {
    let plan = plan_json(LATE, &["--timezone", "America/New_York"]);
    assert_contract(&plan);
    assert_eq!(plan["compressed"], true);
    let story = send(&plan, "nurture-story", "email");
    assert_eq!(story["status"], "skipped");
    assert_eq!(story["reason"], "min_gap");
    // 48h x 48/168 = 49371.43s, rounded up: 13h42m52s after registration.
    assert_eq!(
        send(&plan, "nurture-mistakes", "email")["send_at"],
        "2026-12-09T06:42:52Z"
    );
    // Fixed steps keep their nominal time.
    assert_eq!(
        send(&plan, "reminder-24h", "sms")["send_at"],
        "2026-12-09T17:00:00Z"
    );
}

#[test]
fn early_registrant_is_not_compressed() {
    let plan = plan_json(EARLY, &[]);
    assert_eq!(plan["compressed"], false);
    assert_eq!(plan["timezone"], "UTC");
    for s in sends(&plan) {
        if s["status"] == "scheduled" && s["channel"] == "email" {
            assert_eq!(s["send_at"], s["nominal_at"], "{s}");
        }
    }
}

#[test]
fn attended_branch_lists_only_attended_steps() {
    let plan = plan_json(EARLY, &["--branch", "attended"]);
    assert_contract(&plan);
    let post: Vec<&Value> = sends(&plan)
        .iter()
        .filter(|s| s["phase"] == "post_event")
        .collect();
    let mut steps: Vec<&str> = post.iter().map(|s| s["step"].as_str().unwrap()).collect();
    steps.dedup();
    assert_eq!(steps, ATTENDED_STEPS);
    for s in &post {
        assert_eq!(s["branch"], "attended", "{s}");
        assert!(!s["send_at"].is_null(), "{s}");
        assert_ne!(s["status"], "pending", "{s}");
    }
    assert_eq!(send(&plan, "thanks-replay", "email")["status"], "scheduled");
    assert_eq!(
        send(&plan, "thanks-replay", "email")["send_at"],
        "2026-12-10T19:00:00Z"
    );
    assert_eq!(send(&plan, "offer", "sms")["status"], "scheduled");
    // `unless: clicked` keeps it conditional.
    assert_eq!(
        send(&plan, "offer-last-call", "email")["status"],
        "conditional"
    );
    assert!(!sends(&plan)
        .iter()
        .any(|s| NO_SHOW_STEPS.contains(&s["step"].as_str().unwrap())));
}

#[test]
fn no_show_branch_lists_only_no_show_steps() {
    let plan = plan_json(EARLY, &["--branch", "no_show"]);
    assert_contract(&plan);
    let post: Vec<&Value> = sends(&plan)
        .iter()
        .filter(|s| s["phase"] == "post_event")
        .collect();
    assert_eq!(post.len(), 4);
    for s in &post {
        assert_eq!(s["branch"], "no_show", "{s}");
        assert!(NO_SHOW_STEPS.contains(&s["step"].as_str().unwrap()), "{s}");
    }
    assert_eq!(
        send(&plan, "missed-replay", "email")["send_at"],
        "2026-12-10T19:00:00Z"
    );
}

#[test]
fn without_a_branch_both_branches_are_pending() {
    let plan = plan_json(EARLY, &[]);
    assert_contract(&plan);
    let post: Vec<&Value> = sends(&plan)
        .iter()
        .filter(|s| s["phase"] == "post_event")
        .collect();
    assert_eq!(post.len(), 8);
    for s in &post {
        assert_eq!(s["status"], "pending", "{s}");
        assert!(s["send_at"].is_null(), "{s}");
        assert!(s["reason"].is_null(), "{s}");
    }
    for step in ATTENDED_STEPS.iter().chain(NO_SHOW_STEPS) {
        assert!(post.iter().any(|s| s["step"] == *step), "{step} missing");
    }
    // Pending sends sort after every timed one.
    let first_pending = sends(&plan)
        .iter()
        .position(|s| s["status"] == "pending")
        .unwrap();
    assert!(sends(&plan)[first_pending..]
        .iter()
        .all(|s| s["send_at"].is_null()));
}

#[test]
fn email_only_consent_skips_every_sms() {
    let plan = plan_json(EARLY, &["--channels", "email", "--branch", "attended"]);
    assert_contract(&plan);
    let sms: Vec<&Value> = sends(&plan)
        .iter()
        .filter(|s| s["channel"] == "sms")
        .collect();
    // welcome, reminder-24h, reminder-1h, offer.
    assert_eq!(sms.len(), 4);
    for s in sms {
        assert_eq!(s["status"], "skipped", "{s}");
        assert_eq!(s["reason"], "no_consent", "{s}");
        assert!(s["send_at"].is_null(), "{s}");
    }
    assert_eq!(send(&plan, "welcome", "email")["status"], "scheduled");
}

#[test]
fn contact_id_picks_a_stable_variant() {
    let a = plan_json(EARLY, &["--contact-id", "contact-0002"]);
    let b = plan_json(EARLY, &["--contact-id", "contact-0001"]);
    let again = plan_json(EARLY, &["--contact-id", "contact-0001"]);
    let none = plan_json(EARLY, &[]);
    assert_eq!(send(&a, "nurture-mistakes", "email")["variant"], "a");
    assert_eq!(
        send(&a, "nurture-mistakes", "email")["template"],
        "nurture-mistakes"
    );
    assert_eq!(send(&b, "nurture-mistakes", "email")["variant"], "b");
    assert_eq!(
        send(&b, "nurture-mistakes", "email")["template"],
        "nurture-mistakes-b"
    );
    assert_eq!(b, again);
    assert!(send(&none, "nurture-mistakes", "email")["variant"].is_null());
    // Steps without variants never get one.
    assert!(send(&b, "welcome", "email")["variant"].is_null());
}

fn assert_usage_error(extra: &[&str], at: &str, message: &str) {
    plan_cmd(at)
        .args(extra)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(message))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn unknown_time_zone_is_a_usage_error() {
    assert_usage_error(
        &["--timezone", "Mars/Olympus_Mons"],
        EARLY,
        "unknown IANA time zone \"Mars/Olympus_Mons\"",
    );
}

#[test]
fn end_before_start_is_a_usage_error() {
    myx()
        .args(["funnel", "plan"])
        .arg(webinar())
        .args([
            "--event-start",
            EVENT_START,
            "--event-end",
            "2026-12-10T16:59:59Z",
            "--registered-at",
            EARLY,
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--event-end"))
        .stderr(predicate::str::contains("is before --event-start"));
}

#[test]
fn unparseable_times_are_usage_errors() {
    assert_usage_error(
        &[],
        "next tuesday",
        "--registered-at: \"next tuesday\" is not an RFC 3339 time",
    );
    // A civil time without an offset is ambiguous, so it is refused too.
    assert_usage_error(
        &[],
        "2026-12-01T12:00:00",
        "is not an RFC 3339 time with an offset",
    );
    myx()
        .args(["funnel", "plan"])
        .arg(webinar())
        .args([
            "--event-start",
            "2026-13-40T17:00:00Z",
            "--event-end",
            EVENT_END,
            "--registered-at",
            EARLY,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--event-start"));
}

#[test]
fn unknown_channel_is_a_usage_error() {
    assert_usage_error(
        &["--channels", "email,fax"],
        EARLY,
        "unknown channel \"fax\"",
    );
}

#[test]
fn unknown_branch_is_a_usage_error() {
    assert_usage_error(&["--branch", "maybe"], EARLY, "--branch");
}

#[test]
fn unknown_format_is_a_usage_error() {
    assert_usage_error(&["--format", "xml"], EARLY, "--format");
}

#[test]
fn invalid_funnel_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "funnel: bad\nname: Bad\npre_event:\n  - id: a\n    channels: [email]\n    template: nope\n    send: { before_event: 3x }\n",
    )
    .unwrap();
    myx()
        .args(["funnel", "plan"])
        .arg(&path)
        .args([
            "--event-start",
            EVENT_START,
            "--event-end",
            EVENT_END,
            "--registered-at",
            EARLY,
        ])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("is not a valid funnel"))
        .stderr(predicate::str::contains("pre_event[0].send.before_event"))
        .stderr(predicate::str::contains("pre_event[0].template"));
}

#[test]
fn missing_funnel_file_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    myx()
        .args(["funnel", "plan"])
        .arg(dir.path().join("nope.yaml"))
        .args([
            "--event-start",
            EVENT_START,
            "--event-end",
            EVENT_END,
            "--registered-at",
            EARLY,
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read file"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn table_has_a_header_and_one_row_per_send() {
    let expected_rows = sends(&plan_json(EARLY, &["--timezone", "America/New_York"])).len();
    let out = plan_cmd(EARLY)
        .args(["--timezone", "America/New_York"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("funnel webinar-7day | "), "{text}");
    assert!(lines[0].ends_with("compressed: no"), "{text}");
    let header = lines[1];
    for col in [
        "SEND AT (UTC)",
        "LOCAL",
        "STEP",
        "CHAN",
        "STATUS",
        "REASON",
        "RULE",
    ] {
        assert!(header.contains(col), "header lacks {col}: {header}");
    }
    let rows = &lines[2..];
    assert_eq!(rows.len(), expected_rows, "{text}");
    assert!(rows[0].starts_with("2026-12-01T12:00:00Z"), "{}", rows[0]);
    assert!(rows[0].contains("welcome"), "{}", rows[0]);
    // The deferred welcome SMS shows its local time.
    assert!(
        rows.iter().any(|r| r.starts_with("2026-12-01T14:00:00Z")
            && r.contains("09:00 EST")
            && r.contains("sms")),
        "{text}"
    );
    assert!(rows
        .iter()
        .any(|r| r.contains("no_show/missed-replay") && r.contains("pending")));
}

/// `myx funnel plan ... | head -0`: the reader is gone before anything is
/// written; the command must neither panic nor die of SIGPIPE.
#[cfg(unix)]
#[test]
fn closed_stdout_pipe_does_not_panic() {
    use std::process::Stdio;
    let bin = assert_cmd::cargo::cargo_bin("myx");
    // The shell waits a little before exec'ing myx, so the read end of the
    // pipe is certainly closed by the time myx writes.
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("sleep 0.3; exec \"$0\" \"$@\"")
        .arg(&bin)
        .args(["funnel", "plan"])
        .arg(webinar())
        .args([
            "--event-start",
            EVENT_START,
            "--event-end",
            EVENT_END,
            "--registered-at",
            EARLY,
            "--format",
            "json",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sh");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for myx");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        out.status.success(),
        "status {:?}, stderr: {stderr}",
        out.status
    );
}
