//! `myx funnel test`: running expectation files, readable diffs, and clear
//! failures when a file or funnel is missing.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/funnels")
}

fn myx() -> Command {
    Command::cargo_bin("myx").expect("the myx binary is built for integration tests")
}

fn write(dir: &tempfile::TempDir, name: &str, contents: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

/// A temp dir holding a copy of the webinar funnel, so expectation files
/// written next to it can say `funnel: webinar.yaml`.
fn dir_with_webinar() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        examples().join("webinar.yaml"),
        dir.path().join("webinar.yaml"),
    )
    .unwrap();
    dir
}

/// Parses the last line, `N passed, M failed`.
fn summary(stdout: &str) -> (usize, usize) {
    let last = stdout.lines().last().unwrap_or_default();
    let (p, rest) = last
        .split_once(" passed, ")
        .unwrap_or_else(|| panic!("no summary line in:\n{stdout}"));
    let f = rest
        .strip_suffix(" failed")
        .unwrap_or_else(|| panic!("bad summary line {last:?}"));
    (p.parse().unwrap(), f.parse().unwrap())
}

fn stdout_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

#[test]
fn shipped_example_tests_pass() {
    let dir = examples();
    let names = [
        "webinar.test.yaml",
        "workshop.test.yaml",
        "challenge.test.yaml",
    ];
    let mut cmd = myx();
    cmd.args(["funnel", "test"]);
    for n in names {
        cmd.arg(dir.join(n));
    }
    let assert = cmd
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"\n\d+ passed, 0 failed\n$").unwrap());
    let out = stdout_of(&assert);
    let (passed, failed) = summary(&out);
    assert_eq!(failed, 0, "{out}");
    assert_eq!(
        passed,
        out.lines().filter(|l| l.starts_with("ok    ")).count()
    );
    assert!(!out.contains("FAIL"), "{out}");
    // Every file contributes cases (the brief asks for at least three each).
    for n in names {
        let cases = out
            .lines()
            .filter(|l| l.starts_with("ok    ") && l.contains(&format!("{n} :: ")))
            .count();
        assert!(cases >= 3, "only {cases} cases ran from {n}:\n{out}");
    }
}

#[test]
fn a_funnel_file_runs_its_sibling_expectations() {
    let assert = myx()
        .args(["funnel", "test"])
        .arg(examples().join("workshop.yaml"))
        .assert()
        .success();
    let out = stdout_of(&assert);
    assert!(
        out.lines()
            .all(|l| !l.starts_with("ok    ") || l.contains("workshop.test.yaml :: ")),
        "{out}"
    );
    let (passed, failed) = summary(&out);
    assert!(passed >= 3 && failed == 0, "{out}");
}

#[test]
fn wrong_send_at_fails_with_a_diff_naming_the_step() {
    let dir = dir_with_webinar();
    let test = write(
        &dir,
        "webinar.test.yaml",
        r#"funnel: webinar.yaml
cases:
  - name: right time
    event: { start: "2026-12-10T17:00:00Z", end: "2026-12-10T18:00:00Z" }
    registration: { at: "2026-12-01T12:00:00Z", timezone: America/New_York }
    expect:
      sends:
        - { step: reminder-24h, channel: email, status: scheduled, send_at: "2026-12-09T17:00:00Z" }
  - name: wrong time
    event: { start: "2026-12-10T17:00:00Z", end: "2026-12-10T18:00:00Z" }
    registration: { at: "2026-12-01T12:00:00Z", timezone: America/New_York }
    expect:
      sends:
        - { step: welcome, channel: email, status: scheduled }
        - { step: reminder-1h, channel: sms, status: scheduled, send_at: "2026-12-10T15:00:00Z" }
"#,
    );
    let assert = myx()
        .args(["funnel", "test"])
        .arg(&test)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("panicked").not());
    let out = stdout_of(&assert);
    let shown = test.display().to_string();
    assert!(
        out.contains(&format!("ok    {shown} :: right time")),
        "{out}"
    );
    assert!(
        out.contains(&format!("FAIL  {shown} :: wrong time")),
        "{out}"
    );
    let diff: Vec<&str> = out.lines().filter(|l| l.starts_with("    ")).collect();
    assert!(
        diff.iter().any(|l| l.trim_start() == "--- expected"),
        "{out}"
    );
    assert!(
        diff.iter().any(|l| l.trim_start() == "+++ planned"),
        "{out}"
    );
    assert!(
        diff.contains(&"    -reminder-1h sms: status=scheduled send_at=2026-12-10T15:00:00Z"),
        "{out}"
    );
    assert!(
        diff.contains(&"    +reminder-1h sms: status=scheduled send_at=2026-12-10T16:00:00Z"),
        "{out}"
    );
    // The matching line is context, not a change.
    assert!(
        !diff.iter().any(|l| l.trim_start().starts_with("-welcome")),
        "{out}"
    );
    assert_eq!(summary(&out), (1, 1));
}

#[test]
fn exhaustive_case_reports_unlisted_sends() {
    let dir = dir_with_webinar();
    let test = write(
        &dir,
        "webinar.test.yaml",
        r#"funnel: webinar.yaml
cases:
  - name: forgot most sends
    event: { start: "2026-12-10T17:00:00Z", end: "2026-12-10T18:00:00Z" }
    registration: { at: "2026-12-01T12:00:00Z", timezone: America/New_York }
    expect:
      exhaustive: true
      sends:
        - { step: welcome, channel: email, status: scheduled }
"#,
    );
    let assert = myx().args(["funnel", "test"]).arg(&test).assert().code(1);
    let out = stdout_of(&assert);
    assert!(
        out.contains(
            "    +reminder-1h sms: status=scheduled send_at=2026-12-10T16:00:00Z (not listed)"
        ),
        "{out}"
    );
    assert!(
        out.contains("    +missed-replay sms: status=pending (not listed)"),
        "{out}"
    );
    assert_eq!(summary(&out), (0, 1));
}

#[test]
fn wrong_compressed_flag_and_missing_step_fail() {
    let dir = dir_with_webinar();
    let test = write(
        &dir,
        "webinar.test.yaml",
        r#"funnel: webinar.yaml
cases:
  - name: not compressed
    event: { start: "2026-12-10T17:00:00Z", end: "2026-12-10T18:00:00Z" }
    registration: { at: "2026-12-08T17:00:00Z" }
    expect:
      compressed: false
      sends:
        - { step: no-such-step, channel: email }
"#,
    );
    let assert = myx().args(["funnel", "test"]).arg(&test).assert().code(1);
    let out = stdout_of(&assert);
    assert!(out.contains("    -compressed: false"), "{out}");
    assert!(out.contains("    +compressed: true"), "{out}");
    assert!(
        out.contains("    +no-such-step email: (not planned)"),
        "{out}"
    );
}

#[test]
fn missing_funnel_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let test = write(
        &dir,
        "orphan.test.yaml",
        r#"funnel: does-not-exist.yaml
cases:
  - name: anything
    event: { start: "2026-12-10T17:00:00Z", end: "2026-12-10T18:00:00Z" }
    registration: { at: "2026-12-01T12:00:00Z" }
    expect: { sends: [] }
"#,
    );
    let assert = myx()
        .args(["funnel", "test"])
        .arg(&test)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("panicked").not());
    let out = stdout_of(&assert);
    assert!(out.contains(&format!("FAIL  {}", test.display())), "{out}");
    assert!(out.contains("does-not-exist.yaml"), "{out}");
    assert!(out.contains("cannot read file"), "{out}");
    assert_eq!(summary(&out), (0, 1));
}

#[test]
fn funnel_without_a_sibling_test_file_fails() {
    let dir = dir_with_webinar();
    let funnel = dir.path().join("webinar.yaml");
    let assert = myx().args(["funnel", "test"]).arg(&funnel).assert().code(1);
    let out = stdout_of(&assert);
    assert!(
        out.contains(&format!(
            "FAIL  {}: no expectation file beside it (expected webinar.test.yaml)",
            funnel.display()
        )),
        "{out}"
    );
    assert_eq!(summary(&out), (0, 1));
}

#[test]
fn missing_expectation_file_fails() {
    let dir = tempfile::tempdir().unwrap();
    let test = dir.path().join("gone.test.yaml");
    let assert = myx().args(["funnel", "test"]).arg(&test).assert().code(1);
    let out = stdout_of(&assert);
    assert!(out.contains(&format!("FAIL  {}", test.display())), "{out}");
    assert!(out.contains("cannot read file"), "{out}");
}

#[test]
fn malformed_expectation_file_names_the_bad_field() {
    let dir = dir_with_webinar();
    let test = write(
        &dir,
        "webinar.test.yaml",
        "funnel: webinar.yaml\ncases:\n  - name: typo\n    event: { start: \"2026-12-10T17:00:00Z\", end: \"2026-12-10T18:00:00Z\" }\n    registration: { at: \"2026-12-01T12:00:00Z\" }\n    expect: { sends: [], exhaustiv: true }\n",
    );
    let assert = myx().args(["funnel", "test"]).arg(&test).assert().code(1);
    let out = stdout_of(&assert);
    assert!(
        out.contains("  cases[0].expect.exhaustiv: unknown field `exhaustiv`"),
        "{out}"
    );
}

#[test]
fn bad_case_input_fails_that_case_only() {
    let dir = dir_with_webinar();
    let test = write(
        &dir,
        "webinar.test.yaml",
        r#"funnel: webinar.yaml
cases:
  - name: bad zone
    event: { start: "2026-12-10T17:00:00Z", end: "2026-12-10T18:00:00Z" }
    registration: { at: "2026-12-01T12:00:00Z", timezone: Atlantis/Capital }
    expect: { sends: [] }
  - name: bad time
    event: { start: "soon", end: "2026-12-10T18:00:00Z" }
    registration: { at: "2026-12-01T12:00:00Z" }
    expect: { sends: [] }
  - name: fine
    event: { start: "2026-12-10T17:00:00Z", end: "2026-12-10T18:00:00Z" }
    registration: { at: "2026-12-01T12:00:00Z" }
    expect:
      sends:
        - { step: welcome, channel: email, send_at: "2026-12-01T07:00:00-05:00" }
"#,
    );
    let assert = myx().args(["funnel", "test"]).arg(&test).assert().code(1);
    let out = stdout_of(&assert);
    assert!(
        out.contains(
            "cases[0] bad zone: registration.timezone: unknown IANA time zone \"Atlantis/Capital\""
        ),
        "{out}"
    );
    assert!(
        out.contains("cases[1] bad time: event.start: invalid RFC 3339 time \"soon\""),
        "{out}"
    );
    // Times compare as instants: -05:00 matches the planner's Z time.
    assert!(out.contains(":: fine"), "{out}");
    assert_eq!(summary(&out), (1, 2));
}
