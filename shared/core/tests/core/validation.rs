//! The validator: every kind of problem, reported with its path and a
//! plain-English reason, all at once; malformed input never panics.

use myx_core::funnel::{json_schema, load::load_doc};
use myx_core::{load_funnel, Problem, SourceFormat};

fn problems(yaml: &str) -> Vec<Problem> {
    load_funnel(yaml, SourceFormat::Yaml).expect_err("expected problems")
}

fn has(problems: &[Problem], path: &str, fragment: &str) -> bool {
    problems
        .iter()
        .any(|p| p.path == path && p.message.contains(fragment))
}

fn assert_has(problems: &[Problem], path: &str, fragment: &str) {
    assert!(
        has(problems, path, fragment),
        "no problem at {path:?} containing {fragment:?} in:\n{}",
        problems
            .iter()
            .map(|p| format!("  {p}\n"))
            .collect::<String>()
    );
}

const BROKEN: &str = r#"
funnel: Bad_ID
name: Broken
defaults:
  min_gap: soon
  quiet_hours: { start: "25:00", end: "09:00" }
pre_event:
  - id: welcome
    channels: [email, sms]
    template: welcome
    send: { after_registration: 0m }
  - id: nurture
    channels: [email]
    template: nurturing
    send: { before_event: 3x }
    if: { opened: reminder }
  - id: welcome
    channels: [sms]
    template: welcome
    send: { after_registration: 1h, before_event: 2h }
  - id: split
    channels: [email]
    template: welcome
    send: { days_before_event: 1 }
    unless: { delivered: welcome, opened: welcome }
    variants:
      - { id: a, weight: 0, template: welcome }
      - { id: b, weight: -2, template: nope }
  - id: reminder
    channels: [email]
    template: welcome
    send: { after_event_end: 1h }
post_event:
  attended:
    - id: thanks
      channels: [email]
      template: welcome
      send: { before_event: 1h }
      unless: { clicked: sorry }
  no_show:
    - id: sorry
      channels: [email]
      template: welcome
      send: { after_event_end: 1h }
      if: { delivered: ghost }
templates:
  welcome:
    email:
      subject: "Hi {{ frist_name }}"
      html: "<p>{{ join_url }} {% if %}</p>"
"#;

#[test]
fn reports_every_problem_with_its_path() {
    let p = problems(BROKEN);
    assert_has(&p, "funnel", "invalid funnel id");
    assert_has(&p, "defaults.min_gap", "invalid duration \"soon\"");
    assert_has(&p, "defaults.quiet_hours.start", "invalid time \"25:00\"");
    assert_has(&p, "pre_event[0].template", "has no sms body");
    assert_has(
        &p,
        "pre_event[1].template",
        "unknown template \"nurturing\"",
    );
    assert_has(
        &p,
        "pre_event[1].send.before_event",
        "invalid duration \"3x\"",
    );
    assert_has(&p, "pre_event[1].if.opened", "cannot have been sent before");
    assert_has(
        &p,
        "pre_event[2].send",
        "expected exactly one of after_registration, before_event, days_before_event",
    );
    assert_has(
        &p,
        "pre_event[2].id",
        "duplicate step id \"welcome\" (first used at pre_event[0])",
    );
    assert_has(&p, "pre_event[3].send", "needs `at");
    assert_has(
        &p,
        "pre_event[3].unless",
        "expected exactly one of delivered, opened, clicked, attribute",
    );
    assert_has(
        &p,
        "post_event.no_show[0].if.delivered",
        "unknown step \"ghost\"",
    );
    assert_has(&p, "pre_event[3].variants[0].weight", "positive");
    assert_has(&p, "pre_event[3].variants[1].weight", "positive");
    assert_has(
        &p,
        "pre_event[3].variants[1].template",
        "unknown template \"nope\"",
    );
    assert_has(&p, "pre_event[4].send", "only for post_event");
    assert_has(&p, "post_event.attended[0].send", "after_event_end");
    assert_has(
        &p,
        "post_event.attended[0].unless.clicked",
        "cannot have been sent before",
    );
    assert_has(
        &p,
        "templates.welcome.email.subject",
        "unknown variable `frist_name`",
    );
    assert_has(&p, "templates.welcome.email.html", "template syntax error");
}

#[test]
fn structural_errors_are_collected_per_element() {
    let p = problems(
        r#"
funnel: ok
name: Structure
colour: blue
pre_event:
  - { id: a, chanels: [email], template: t, send: { before_event: 1h } }
  - { id: b, channels: [fax], template: t, send: { before_event: 1h } }
  - { id: c, channels: email, template: t, send: { before_event: 1h } }
  - { id: d, channels: [email], template: t, send: { before_event: 1h } }
templates:
  t: { email: { subject: s } }
"#,
    );
    assert_has(&p, "colour", "unknown field");
    assert_has(&p, "pre_event[0].chanels", "unknown field");
    assert_has(&p, "pre_event[1].channels[0]", "unknown variant `fax`");
    assert_has(&p, "pre_event[2].channels", "invalid type");
    assert_has(&p, "templates.t.email", "missing field `html`");
    assert!(
        !p.iter().any(|x| x.path.starts_with("pre_event[3]")),
        "{p:#?}"
    );
}

#[test]
fn unknown_top_level_field_suggests_the_right_one() {
    let p = problems("funnel: x\nname: y\npre_events: []\n");
    assert_has(&p, "pre_events", "did you mean `pre_event`?");
}

#[test]
fn missing_required_fields_and_empty_funnel() {
    assert_has(
        &problems("name: y\n"),
        "",
        "missing required field `funnel`",
    );
    assert_has(&problems("funnel: x\nname: y\n"), "", "no steps");
}

#[test]
fn opened_condition_needs_an_email_step() {
    let p = problems(
        r#"
funnel: x
name: y
pre_event:
  - { id: a, channels: [sms], template: t, send: { before_event: 2d } }
  - { id: b, channels: [email], template: t, send: { before_event: 1d }, if: { opened: a } }
  - { id: c, channels: [email], template: t, send: { before_event: 1h }, if: { opened: zzz } }
  - { id: d, channels: [email], template: t, send: { before_event: 1h }, if: { opened: d } }
  - { id: e, channels: [email], template: t, send: { before_event: 1h }, if: { } }
templates:
  t: { email: { subject: s, html: h }, sms: { body: b } }
"#,
    );
    assert_has(&p, "pre_event[1].if.opened", "sends no email");
    assert_has(&p, "pre_event[2].if.opened", "unknown step \"zzz\"");
    assert_has(&p, "pre_event[3].if.opened", "cannot have been sent before");
    assert_has(
        &p,
        "pre_event[4].if",
        "exactly one of delivered, opened, clicked, attribute",
    );
}

#[test]
fn malformed_input_gives_one_clear_problem() {
    for (text, format, fragment) in [
        ("", SourceFormat::Yaml, "empty"),
        ("funnel: [unclosed", SourceFormat::Yaml, "not valid YAML"),
        (
            "- a\n- b\n",
            SourceFormat::Yaml,
            "top level must be a mapping",
        ),
        ("{\"funnel\": ", SourceFormat::Json, "not valid JSON"),
        (
            "\u{0}\u{1}\u{2}binary",
            SourceFormat::Yaml,
            "not valid YAML",
        ),
        ("42", SourceFormat::Json, "top level must be a mapping"),
        ("a: &x [*x]", SourceFormat::Yaml, "not valid YAML"),
        (
            &format!("funnel: {}{}", "[".repeat(100_000), "]".repeat(100_000)),
            SourceFormat::Yaml,
            "nested deeper than 64",
        ),
        (
            &format!(
                "{{\"funnel\": {}{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
            SourceFormat::Json,
            "recursion limit",
        ),
        (
            &"#".repeat(5 * 1024 * 1024),
            SourceFormat::Yaml,
            "the limit is",
        ),
    ] {
        let p = load_funnel(text, format).expect_err(text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains(fragment), "{text:?}: {}", p[0]);
    }
}

#[test]
fn yaml_and_json_forms_give_the_same_funnel() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/funnels");
    for name in ["webinar", "workshop", "challenge"] {
        let yaml = std::fs::read_to_string(format!("{dir}/{name}.yaml")).unwrap();
        let doc = load_doc(&yaml, SourceFormat::Yaml).unwrap();
        let json = serde_json::to_string(&doc).unwrap();
        let from_yaml = load_funnel(&yaml, SourceFormat::Yaml).unwrap();
        let from_json = load_funnel(&json, SourceFormat::Json).unwrap();
        assert_eq!(from_yaml, from_json, "{name}");
    }
}

#[test]
fn committed_schema_matches_the_rust_types() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schema/funnel.schema.json"
    );
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema file")).unwrap();
    assert_eq!(
        committed,
        json_schema(),
        "schema/funnel.schema.json is stale: run `cargo run -q -p myx -- funnel schema > schema/funnel.schema.json`"
    );
}

#[test]
fn schema_describes_the_format() {
    let schema = json_schema();
    let text = schema.to_string();
    for needle in [
        "pre_event",
        "post_event",
        "days_before_event",
        "quiet_hours",
        "variants",
        "\"sms\"",
    ] {
        assert!(text.contains(needle), "schema lacks {needle}");
    }
    assert_eq!(schema["additionalProperties"], serde_json::json!(false));
}

#[test]
fn documented_variables_match_the_code() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/FUNNELS.md"
    ))
    .expect("docs/FUNNELS.md");
    for (name, _) in myx_core::template_vars::VARIABLES {
        assert!(
            doc.contains(&format!("`{name}`")),
            "docs/FUNNELS.md does not document `{name}`"
        );
    }
}

#[test]
fn examples_conform_to_the_published_schema_and_broken_files_do_not() {
    let schema = json_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/funnels");
    for name in ["webinar", "workshop", "challenge"] {
        let yaml = std::fs::read_to_string(format!("{dir}/{name}.yaml")).unwrap();
        let value: serde_json::Value = serde_norway_value(&yaml);
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    let broken = serde_norway_value(
        "funnel: Not_An_Id\nname: x\npre_event:\n  - { id: a, channels: [fax], template: t, send: { before_event: soon } }\n",
    );
    let errors: Vec<String> = validator
        .iter_errors(&broken)
        .map(|e| e.instance_path().to_string())
        .collect();
    for path in [
        "/funnel",
        "/pre_event/0/channels/0",
        "/pre_event/0/send/before_event",
    ] {
        assert!(
            errors.iter().any(|e| e == path),
            "schema did not flag {path}: {errors:?}"
        );
    }
}

fn serde_norway_value(yaml: &str) -> serde_json::Value {
    myx_core::funnel::load::parse_value(yaml, SourceFormat::Yaml).expect("yaml")
}
