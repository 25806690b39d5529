//! The MiniJinja environment every part is rendered with: semi-strict
//! undefined values, HTML auto-escaping for the html part only.

use super::missing::undefined_names;
use super::{Part, RenderError};
use crate::variables::Variables;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, Value};

/// Renders one part of a template. The part's name selects its escaping.
pub(crate) fn render_part(
    part: Part,
    source: &str,
    vars: &Variables,
) -> Result<String, RenderError> {
    let env = environment();
    let template = env
        .template_from_named_str(part.as_str(), source)
        .map_err(|e| template_error(part, &e))?;
    let context = Value::from(Serde(vars.as_map()));
    template.render(context).map_err(|e| {
        if e.kind() == ErrorKind::UndefinedError {
            let names = undefined_names(&template, vars);
            if !names.is_empty() {
                return RenderError::UndefinedVariables { part, names };
            }
        }
        template_error(part, &e)
    })
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|name| {
        if name == Part::Html.as_str() {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        if *state.auto_escape() == AutoEscape::Html && !value.is_safe() {
            // MiniJinja's own HTML escaper also escapes `/`, which turns every
            // URL in an href into `https:&#x2f;&#x2f;...`: valid HTML, but it
            // garbles links for anything reading the raw source. Escape only
            // what HTML needs: & < > " '.
            let text = value.to_string();
            out.write_str(&html_escape::encode_quoted_attribute(&text))
                .map_err(minijinja::Error::from)
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env
}

fn template_error(part: Part, e: &minijinja::Error) -> RenderError {
    let message = match (e.detail(), e.line()) {
        (Some(detail), Some(line)) => format!("{detail} (line {line})"),
        (Some(detail), None) => detail.to_string(),
        (None, Some(line)) => format!("{} (line {line})", e.kind()),
        (None, None) => e.kind().to_string(),
    };
    RenderError::Template { part, message }
}
