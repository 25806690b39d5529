//! The documented list of variables a funnel template may use, and the check
//! that a template uses only those. `docs/FUNNELS.md` lists the same names
//! (a test keeps the two in step).

use minijinja::Environment;

/// Every variable the engine supplies when rendering, with what it holds.
pub const VARIABLES: &[(&str, &str)] = &[
    ("first_name", "Registrant's first name"),
    ("last_name", "Registrant's last name"),
    ("email", "Registrant's email address"),
    ("event_title", "Event title"),
    (
        "event_start",
        "Event start in the registrant's time zone, e.g. \"Thursday, December 10 at 12:00 PM EST\"",
    ),
    (
        "event_date",
        "Local date of the event start, e.g. \"December 10\"",
    ),
    (
        "event_time",
        "Local time of the event start, e.g. \"12:00 PM EST\"",
    ),
    ("event_timezone", "Registrant's IANA time zone"),
    (
        "join_url",
        "The registrant's join link (unique per registrant on Zoom)",
    ),
    (
        "replay_url",
        "Recording link, when the operator has set one",
    ),
    ("calendar_url", "Link to the event's .ics file"),
    ("google_calendar_url", "Add-to-Google-Calendar link"),
    ("outlook_calendar_url", "Add-to-Outlook link"),
    ("business_name", "Sender's business name"),
    ("postal_address", "Sender's postal address (CAN-SPAM)"),
    (
        "unsubscribe_url",
        "One-click unsubscribe link for this registrant",
    ),
];

/// Custom enrollment fields are reachable as `custom.<field>`.
pub const CUSTOM_PREFIX: &str = "custom";

/// Whether `name` (possibly dotted, e.g. `custom.company`) is a known variable.
pub fn is_known(name: &str) -> bool {
    let root = name.split('.').next().unwrap_or(name);
    root == CUSTOM_PREFIX || VARIABLES.iter().any(|(v, _)| *v == root)
}

/// What is wrong with one template source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateIssue {
    Syntax(String),
    UnknownVariable(String),
}

/// Parses `source` with the same engine that renders it and reports syntax
/// errors and variables outside the documented list.
pub fn check_template(source: &str) -> Vec<TemplateIssue> {
    let env = Environment::new();
    let template = match env.template_from_str(source) {
        Ok(t) => t,
        Err(e) => return vec![TemplateIssue::Syntax(syntax_message(&e))],
    };
    let mut unknown: Vec<String> = template
        .undeclared_variables(true)
        .into_iter()
        .filter(|v| !is_known(v))
        .collect();
    unknown.sort();
    unknown
        .into_iter()
        .map(TemplateIssue::UnknownVariable)
        .collect()
}

fn syntax_message(e: &minijinja::Error) -> String {
    match (e.detail(), e.line()) {
        (Some(detail), Some(line)) => format!("{detail} (line {line})"),
        (Some(detail), None) => detail.to_string(),
        (None, _) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_documented_and_custom_variables() {
        assert!(
            check_template("Hi {{ first_name }}, see {{ join_url }} ({{ custom.company }})")
                .is_empty()
        );
        assert!(check_template("{{ first_name | upper }}").is_empty());
    }

    #[test]
    fn reports_unknown_variables_sorted() {
        assert_eq!(
            check_template("{{ frist_name }} {{ agenda }}"),
            vec![
                TemplateIssue::UnknownVariable("agenda".into()),
                TemplateIssue::UnknownVariable("frist_name".into())
            ]
        );
    }

    #[test]
    fn reports_syntax_errors() {
        let issues = check_template("Hello {{ first_name ");
        assert!(
            matches!(&issues[..], [TemplateIssue::Syntax(m)] if m.contains("line 1")),
            "{issues:?}"
        );
    }
}
