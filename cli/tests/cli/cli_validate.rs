//! `myx funnel validate`: exit codes, problem paths, JSON output and
//! robustness against files that are not funnels at all.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/funnels")
}

fn myx() -> Command {
    Command::cargo_bin("myx").expect("the myx binary is built for integration tests")
}

fn write(dir: &tempfile::TempDir, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

/// One funnel with many independent mistakes, each at a known path.
const BROKEN: &str = r#"
funnel: broken
name: Broken funnel
pre_event:
  - id: welcome
    channels: [email, sms]
    template: welcome
    send: { after_registration: 0m, before_event: 1d }
  - id: nurture
    channels: [email]
    template: welcom
    send: { before_event: 3x }
    unless: { opened: reminder }
  - id: day-before
    channels: [email]
    template: reminder
    send: { days_before_event: 1, at: "25:00" }
    variants:
      - { id: a, weight: 0, template: reminder }
      - { id: b, weight: 1, template: reminder }
  - id: reminder
    channels: [email]
    template: reminder
    send: { before_event: 1h }
  - id: reminder
    channels: [email]
    template: reminder
    send: { before_event: 30m }
templates:
  welcome:
    email: { subject: "Hi {{ frist_name }}", html: "<p>Welcome</p>" }
  reminder:
    email: { subject: "Soon", html: "<p>Soon</p>" }
"#;

/// (path, a distinctive part of the message) for every mistake in BROKEN.
const BROKEN_PROBLEMS: &[(&str, &str)] = &[
    (
        "pre_event[0].send",
        "expected exactly one of after_registration, before_event, days_before_event",
    ),
    ("pre_event[0].template", "has no sms body"),
    ("pre_event[1].template", "unknown template \"welcom\""),
    ("pre_event[1].send.before_event", "invalid duration \"3x\""),
    (
        "pre_event[1].unless.opened",
        "step \"reminder\" cannot have been sent before \"nurture\"",
    ),
    ("pre_event[2].send.at", "invalid time \"25:00\""),
    (
        "pre_event[2].variants[0].weight",
        "weight must be a positive number",
    ),
    ("pre_event[4].id", "duplicate step id \"reminder\""),
    (
        "templates.welcome.email.subject",
        "unknown variable `frist_name`",
    ),
];

const JSON_FUNNEL: &str = r#"{
  "funnel": "json-funnel",
  "name": "A funnel written as JSON",
  "defaults": { "min_gap": "1h", "quiet_hours": { "start": "22:00", "end": "08:00" } },
  "pre_event": [
    { "id": "welcome", "channels": ["email", "sms"], "template": "welcome",
      "send": { "after_registration": "0m" } },
    { "id": "reminder", "channels": ["email"], "template": "reminder",
      "send": { "before_event": "1h" }, "flexible": true }
  ],
  "post_event": {
    "attended": [
      { "id": "thanks", "channels": ["email"], "template": "reminder",
        "send": { "after_event_end": "1h" }, "unless": { "opened": "welcome" } }
    ]
  },
  "templates": {
    "welcome": {
      "email": { "subject": "Hi {{ first_name }}", "html": "<p>{{ event_title }}</p>" },
      "sms": { "body": "You're in: {{ join_url }}" }
    },
    "reminder": { "email": { "subject": "Soon", "html": "<p>{{ join_url }}</p>" } }
  }
}"#;

#[test]
fn all_shipped_examples_are_valid() {
    let dir = examples();
    let files = ["webinar.yaml", "workshop.yaml", "challenge.yaml"];
    let mut cmd = myx();
    cmd.args(["funnel", "validate"]);
    for f in files {
        cmd.arg(dir.join(f));
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    for f in files {
        assert!(
            text.lines()
                .any(|l| l.starts_with("ok    ") && l.ends_with(f)),
            "no ok line for {f} in:\n{text}"
        );
    }
    assert!(!text.contains("FAIL"), "{text}");
}

#[test]
fn shipped_expectation_files_validate_as_funnel_tests() {
    let dir = examples();
    let out = myx()
        .args(["funnel", "validate", "--format", "json"])
        .arg(dir.join("webinar.test.yaml"))
        .arg(dir.join("workshop.test.yaml"))
        .arg(dir.join("challenge.test.yaml"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["valid"], true);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for f in files {
        assert_eq!(f["kind"], "funnel-test", "{f}");
        assert_eq!(f["valid"], true, "{f}");
        assert_eq!(f["problems"], Value::Array(vec![]), "{f}");
    }
}

#[test]
fn broken_funnel_lists_every_problem_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "broken.yaml", BROKEN);
    let out = myx()
        .args(["funnel", "validate"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("panicked").not())
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let header = format!(
        "FAIL  {} ({} problems)",
        path.display(),
        BROKEN_PROBLEMS.len()
    );
    assert!(text.lines().next() == Some(header.as_str()), "{text}");
    for (p, msg) in BROKEN_PROBLEMS {
        let prefix = format!("  {p}: ");
        assert!(
            text.lines()
                .any(|l| l.starts_with(&prefix) && l.contains(msg)),
            "missing `{p}: ...{msg}...` in:\n{text}"
        );
    }
}

#[test]
fn broken_funnel_json_report_has_paths_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "broken.yaml", BROKEN);
    let out = myx()
        .args(["funnel", "validate", "--format", "json"])
        .arg(&path)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).expect("validate --format json prints JSON");
    assert_eq!(doc["valid"], false);
    let file = &doc["files"][0];
    assert_eq!(file["file"], path.display().to_string());
    assert_eq!(file["kind"], "funnel");
    assert_eq!(file["valid"], false);
    let problems = file["problems"].as_array().unwrap();
    assert_eq!(problems.len(), BROKEN_PROBLEMS.len(), "{problems:#?}");
    for (p, msg) in BROKEN_PROBLEMS {
        assert!(
            problems
                .iter()
                .any(|pr| pr["path"] == *p
                    && pr["message"].as_str().is_some_and(|m| m.contains(msg))),
            "no problem at {p} containing {msg:?}: {problems:#?}"
        );
    }
}

#[test]
fn json_report_mixes_valid_and_invalid_files() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(&dir, "broken.yaml", BROKEN);
    let out = myx()
        .args(["funnel", "validate", "--format", "json"])
        .arg(examples().join("webinar.yaml"))
        .arg(&broken)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["files"][0]["valid"], true);
    assert_eq!(doc["files"][0]["problems"], Value::Array(vec![]));
    assert_eq!(doc["files"][1]["valid"], false);
}

/// Runs `validate` on one bad file: exit 1, a FAIL line, the expected
/// message, and no panic.
fn assert_rejected(path: &Path, message: &str) {
    let out = myx()
        .args(["funnel", "validate"])
        .arg(path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("panicked").not())
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with(&format!("FAIL  {} (1 problem)", path.display())),
        "{text}"
    );
    assert!(text.contains(message), "expected {message:?} in:\n{text}");
}

#[test]
fn malformed_yaml_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "bad.yaml", "funnel: [unclosed\nname: x\n");
    assert_rejected(&path, "not valid YAML");
}

#[test]
fn empty_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "empty.yaml", "");
    assert_rejected(&path, "the file is empty");
}

#[test]
fn json_syntax_error_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "bad.json", r#"{"funnel": "x", "name": }"#);
    assert_rejected(&path, "not valid JSON");
}

#[test]
fn binary_garbage_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..=255u8).rev().cycle().take(1024).collect();
    let path = write(&dir, "garbage.yaml", bytes);
    assert_rejected(&path, "cannot read file");
}

#[test]
fn control_characters_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "ctl.yaml", "\u{0}\u{1}\u{7} funnel");
    assert_rejected(&path, "not valid YAML");
}

#[test]
fn top_level_list_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "list.yaml", "- a\n- b\n");
    assert_rejected(&path, "the top level must be a mapping");
}

#[test]
fn deeply_nested_input_is_reported_not_overflowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "deep.yaml", "[".repeat(10_000));
    assert_rejected(&path, "nested deeper than 64");
}

#[test]
fn missing_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("does-not-exist.yaml");
    assert_rejected(&path, "cannot read file");
}

#[test]
fn missing_file_does_not_hide_other_results() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.yaml");
    myx()
        .args(["funnel", "validate"])
        .arg(&missing)
        .arg(examples().join("workshop.yaml"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "FAIL  {}",
            missing.display()
        )))
        .stdout(predicate::str::contains("ok    ").and(predicate::str::contains("workshop.yaml")));
}

#[test]
fn structural_errors_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "typo.yaml",
        "funnel: typo\nname: Typo\npre_evnt: []\ntemplates: {}\n",
    );
    myx()
        .args(["funnel", "validate"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "  pre_evnt: unknown field (did you mean `pre_event`?)",
        ));
}

#[test]
fn hand_written_json_funnel_validates_and_plans() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "funnel.json", JSON_FUNNEL);
    myx()
        .args(["funnel", "validate"])
        .arg(&path)
        .assert()
        .success()
        .stdout(format!("ok    {}\n", path.display()));

    // The same file is usable by the planner, read as JSON.
    let out = myx()
        .args(["funnel", "plan"])
        .arg(&path)
        .args([
            "--event-start",
            "2026-12-10T17:00:00Z",
            "--event-end",
            "2026-12-10T18:00:00Z",
            "--registered-at",
            "2026-12-01T12:00:00Z",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(plan["funnel"], "json-funnel");
    assert_eq!(plan["sends"].as_array().unwrap().len(), 4);
}

#[test]
fn json_funnel_with_a_mistake_reports_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "funnel.json",
        JSON_FUNNEL.replace(r#""before_event": "1h""#, r#""before_event": "1 hour""#),
    );
    myx()
        .args(["funnel", "validate"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "  pre_event[1].send.before_event: invalid duration \"1 hour\"",
        ));
}

#[test]
fn broken_expectation_file_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "x.test.yaml",
        "funnel: x.yaml\ncases:\n  - name: c\n    event: { start: a, end: b }\n    registration: { at: c }\n    expect: { sends: [ { step: s, channel: fax } ] }\n",
    );
    let out = myx()
        .args(["funnel", "validate", "--format", "json"])
        .arg(&path)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let file = &doc["files"][0];
    assert_eq!(file["kind"], "funnel-test");
    assert_eq!(file["valid"], false);
    assert_eq!(
        file["problems"][0]["path"],
        "cases[0].expect.sends[0].channel"
    );
}
