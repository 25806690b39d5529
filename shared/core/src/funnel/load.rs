//! From text to a validated [`Funnel`]: parse (YAML or JSON), check the
//! structure against the file format, then validate the meaning.

use super::doc::{FunnelDoc, PostEventDoc, StepDoc, TemplateDoc};
use super::model::Funnel;
use super::problem::Problem;
use super::validate;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Yaml,
    Json,
}

impl SourceFormat {
    /// `.json` files are JSON; everything else is read as YAML.
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => SourceFormat::Json,
            _ => SourceFormat::Yaml,
        }
    }
}

/// Parses and validates a funnel, returning every problem found.
pub fn load_funnel(text: &str, format: SourceFormat) -> Result<Funnel, Vec<Problem>> {
    let value = parse_value(text, format).map_err(|p| vec![p])?;
    let doc = parse_doc(&value)?;
    validate::to_model(&doc)
}

/// Parses a funnel file into the format's document type without validating meaning.
pub fn load_doc(text: &str, format: SourceFormat) -> Result<FunnelDoc, Vec<Problem>> {
    let value = parse_value(text, format).map_err(|p| vec![p])?;
    parse_doc(&value)
}

/// Largest funnel source accepted; real funnels are a few KiB.
pub const MAX_SOURCE_BYTES: usize = 4 * 1024 * 1024;

/// Deepest `[`/`{` nesting accepted in YAML. The YAML scanner takes time
/// quadratic in nesting depth, so deep input is refused before parsing.
pub const MAX_FLOW_DEPTH: usize = 64;

/// Turns YAML or JSON text into a JSON value, or one clear syntax problem.
pub fn parse_value(text: &str, format: SourceFormat) -> Result<Value, Problem> {
    if text.len() > MAX_SOURCE_BYTES {
        return Err(Problem::new(
            "",
            format!(
                "the file is {} bytes; the limit is {MAX_SOURCE_BYTES}",
                text.len()
            ),
        ));
    }
    if format == SourceFormat::Yaml && flow_depth(text) > MAX_FLOW_DEPTH {
        return Err(Problem::new(
            "",
            format!("not valid YAML: nested deeper than {MAX_FLOW_DEPTH} levels of [ ] or {{ }}"),
        ));
    }
    let value = match format {
        SourceFormat::Json => serde_json::from_str::<Value>(text)
            .map_err(|e| Problem::new("", format!("not valid JSON: {e}")))?,
        SourceFormat::Yaml => serde_norway::from_str::<Value>(text)
            .map_err(|e| Problem::new("", format!("not valid YAML: {e}")))?,
    };
    match value {
        Value::Object(_) => Ok(value),
        Value::Null => Err(Problem::new("", "the file is empty")),
        other => Err(Problem::new(
            "",
            format!(
                "the top level must be a mapping of funnel fields, found {}",
                kind(&other)
            ),
        )),
    }
}

/// The deepest nesting of YAML flow collections, ignoring quoted text and
/// comments. An over-estimate is harmless: it only refuses absurd input.
fn flow_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut chars = text.chars().peekable();
    let mut prev = '\n';
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(q) = chars.next() {
                    match q {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' if !prev.is_alphanumeric() => {
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                }
            }
            '#' if prev.is_whitespace() => {
                for q in chars.by_ref() {
                    if q == '\n' {
                        break;
                    }
                }
            }
            '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = c;
    }
    max
}

fn parse_doc(value: &Value) -> Result<FunnelDoc, Vec<Problem>> {
    match serde_path_to_error::deserialize::<_, FunnelDoc>(value) {
        Ok(doc) => Ok(doc),
        Err(first) => {
            // Serde stops at the first error; re-check each part on its own so
            // the operator sees every structural problem in one go.
            let mut problems = Vec::new();
            check_parts(value, &mut problems);
            if problems.is_empty() {
                problems.push(Problem::new(
                    join("", &first.path().to_string()),
                    first.inner().to_string(),
                ));
            }
            Err(problems)
        }
    }
}

const TOP_LEVEL: &[&str] = &[
    "funnel",
    "name",
    "description",
    "defaults",
    "pre_event",
    "post_event",
    "templates",
];

fn check_parts(value: &Value, problems: &mut Vec<Problem>) {
    let Value::Object(map) = value else { return };
    check_keys(map, "", TOP_LEVEL, &["funnel", "name"], problems);
    for key in ["funnel", "name"] {
        if let Some(v) = map.get(key) {
            check::<String>(v, key, problems);
        }
    }
    if let Some(v) = map.get("description") {
        check::<Option<String>>(v, "description", problems);
    }
    if let Some(v) = map.get("defaults") {
        check::<super::doc::DefaultsDoc>(v, "defaults", problems);
    }
    if let Some(v) = map.get("pre_event") {
        check_steps(v, "pre_event", problems);
    }
    match map.get("post_event") {
        Some(Value::Object(post)) => {
            check_keys(post, "post_event", &["attended", "no_show"], &[], problems);
            for branch in ["attended", "no_show"] {
                if let Some(v) = post.get(branch) {
                    check_steps(v, &format!("post_event.{branch}"), problems);
                }
            }
        }
        Some(other) => check::<PostEventDoc>(other, "post_event", problems),
        None => {}
    }
    match map.get("templates") {
        Some(Value::Object(templates)) => {
            for (key, t) in templates {
                check::<TemplateDoc>(t, &format!("templates.{key}"), problems);
            }
        }
        Some(other) => {
            check::<std::collections::BTreeMap<String, TemplateDoc>>(other, "templates", problems)
        }
        None => {}
    }
}

fn check_steps(value: &Value, path: &str, problems: &mut Vec<Problem>) {
    match value {
        Value::Array(steps) => {
            for (i, step) in steps.iter().enumerate() {
                check::<StepDoc>(step, &format!("{path}[{i}]"), problems);
            }
        }
        other => check::<Vec<StepDoc>>(other, path, problems),
    }
}

fn check_keys(
    map: &serde_json::Map<String, Value>,
    path: &str,
    known: &[&str],
    required: &[&str],
    problems: &mut Vec<Problem>,
) {
    for key in map.keys() {
        if !known.contains(&key.as_str()) {
            let hint = known
                .iter()
                .filter(|k| strsim::damerau_levenshtein(k, key) <= 2)
                .map(|k| format!(" (did you mean `{k}`?)"))
                .next()
                .unwrap_or_default();
            problems.push(Problem::new(
                join(path, key),
                format!("unknown field{hint}; expected one of {}", known.join(", ")),
            ));
        }
    }
    for key in required {
        if !map.contains_key(*key) {
            problems.push(Problem::new(
                path,
                format!("missing required field `{key}`"),
            ));
        }
    }
}

fn check<T: DeserializeOwned>(value: &Value, path: &str, problems: &mut Vec<Problem>) {
    if let Err(e) = serde_path_to_error::deserialize::<_, T>(value) {
        problems.push(Problem::new(
            join(path, &e.path().to_string()),
            e.inner().to_string(),
        ));
    }
}

/// Joins a base path and a serde_path_to_error path (`.` means "here").
fn join(base: &str, rest: &str) -> String {
    let rest = if rest == "." { "" } else { rest };
    match (base.is_empty(), rest.is_empty()) {
        (_, true) => base.to_string(),
        (true, false) => rest.to_string(),
        (false, false) if rest.starts_with('[') => format!("{base}{rest}"),
        (false, false) => format!("{base}.{rest}"),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
