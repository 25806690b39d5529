//! The funnel-test runner: passing cases, readable diffs, explicit nulls.

use crate::common::funnel_with;
use myx_core::expectations::{load_test_file, run_case};
use myx_core::SourceFormat;

fn outcome(expect_sends: &str) -> myx_core::expectations::CaseOutcome {
    let f = funnel_with(
        "",
        "- { id: w, channels: [email, sms], template: t, send: { after_registration: 0m } }\n\
         - { id: r, channels: [email], template: t, send: { before_event: 1h } }",
        "",
    );
    let spec = format!(
        "funnel: f.yaml\ncases:\n  - name: c\n    event: {{ start: \"2026-12-10T17:00:00Z\", end: \"2026-12-10T18:00:00Z\" }}\n    registration: {{ at: \"2026-12-10T16:30:00Z\", channels: [email] }}\n    expect:\n      sends:\n{expect_sends}"
    );
    let file = load_test_file(&spec, SourceFormat::Yaml).expect("test file parses");
    run_case(&f, &file.cases[0]).expect("case runs")
}

#[test]
fn matching_expectations_pass_and_offsets_compare_as_instants() {
    let o = outcome(
        "        - { step: w, channel: email, status: scheduled, send_at: \"2026-12-10T11:30:00-05:00\" }\n\
         \x20       - { step: w, channel: sms, status: skipped, reason: no_consent, send_at: null }\n\
         \x20       - { step: r, channel: email, status: skipped, reason: past, variant: null }\n",
    );
    assert!(o.passed(), "{}", o.diff);
}

#[test]
fn a_wrong_expectation_gives_a_unified_diff() {
    let o = outcome("        - { step: w, channel: email, status: scheduled, send_at: \"2026-12-10T16:31:00Z\" }\n");
    assert!(!o.passed());
    assert!(
        o.diff
            .contains("-w email: status=scheduled send_at=2026-12-10T16:31:00Z"),
        "{}",
        o.diff
    );
    assert!(
        o.diff
            .contains("+w email: status=scheduled send_at=2026-12-10T16:30:00Z"),
        "{}",
        o.diff
    );
}

#[test]
fn explicit_null_is_checked() {
    let o = outcome("        - { step: w, channel: email, send_at: null }\n");
    assert!(!o.passed(), "a scheduled send has a send_at");
    assert!(o.diff.contains("-w email: send_at=null"), "{}", o.diff);
}

#[test]
fn unknown_and_missing_sends_are_reported() {
    let o = outcome("        - { step: nope, channel: email, status: scheduled }\n");
    assert!(o.diff.contains("+nope email: (not planned)"), "{}", o.diff);
}

#[test]
fn malformed_test_files_are_clear_errors() {
    let err = load_test_file(
        "funnel: f.yaml\ncases:\n  - name: c\n    evnt: {}\n",
        SourceFormat::Yaml,
    )
    .unwrap_err();
    assert_eq!(err[0].path, "cases[0].evnt");
    assert!(err[0].message.contains("unknown field"), "{}", err[0]);
}
