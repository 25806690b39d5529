//! Renders a funnel [`Template`] for one channel with MiniJinja.
//!
//! - Undefined variables are errors that name the variable and the part
//!   (subject, html, text, sms body). The environment uses MiniJinja's
//!   `SemiStrict` behaviour: printing, iterating or filtering an undefined
//!   value fails, but `{% if replay_url %}` is allowed, so a template can
//!   guard an optional value.
//! - Only the html part is HTML-escaped: a first name of `<script>` comes out
//!   as `&lt;script&gt;` in html and verbatim in subject, text and SMS.
//! - The plain-text part is `text` when the template has one, else derived
//!   from the rendered HTML (links kept as footnotes).

mod environment;
mod missing;
mod plain_text;

use crate::variables::Variables;
use myx_core::funnel::{EmailTemplate, SmsTemplate, Template};
use myx_core::Channel;
use std::fmt;

pub use plain_text::html_to_text;

/// A part of a template, as named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Subject,
    Html,
    Text,
    SmsBody,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Subject => "subject",
            Part::Html => "html",
            Part::Text => "text",
            Part::SmsBody => "sms body",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The template uses variables this message has no value for.
    #[error("{part}: no value for {}", quoted_list(.names))]
    UndefinedVariables { part: Part, names: Vec<String> },
    /// Any other template failure (syntax, a filter error, ...).
    #[error("{part}: {message}")]
    Template { part: Part, message: String },
    #[error("the template has no {0} content")]
    NoContentForChannel(Channel),
    #[error("cannot derive plain text from the html: {0}")]
    PlainText(String),
}

fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// A rendered email: the template's three parts, before the compliance footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub html: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendered {
    Email(RenderedEmail),
    Sms(String),
}

/// Renders `template` for `channel`.
pub fn render(
    template: &Template,
    channel: Channel,
    vars: &Variables,
) -> Result<Rendered, RenderError> {
    match channel {
        Channel::Email => match &template.email {
            Some(email) => render_email(email, vars).map(Rendered::Email),
            None => Err(RenderError::NoContentForChannel(channel)),
        },
        Channel::Sms => match &template.sms {
            Some(sms) => render_sms(sms, vars).map(Rendered::Sms),
            None => Err(RenderError::NoContentForChannel(channel)),
        },
        _ => Err(RenderError::NoContentForChannel(channel)),
    }
}

/// Renders subject, html and text. The subject is one line: line breaks
/// and runs of whitespace become single spaces.
pub fn render_email(
    template: &EmailTemplate,
    vars: &Variables,
) -> Result<RenderedEmail, RenderError> {
    let subject = environment::render_part(Part::Subject, &template.subject, vars)?;
    let html = environment::render_part(Part::Html, &template.html, vars)?;
    let text = match &template.text {
        Some(text) => environment::render_part(Part::Text, text, vars)?,
        None => match plain_text::text_template(&template.html) {
            Some(source) => {
                plain_text::finish_text(&environment::render_part(Part::Text, &source, vars)?)
            }
            None => html_to_text(&html)?,
        },
    };
    Ok(RenderedEmail {
        subject: one_line(&subject),
        html,
        text,
    })
}

/// Renders an SMS body (surrounding whitespace trimmed).
pub fn render_sms(template: &SmsTemplate, vars: &Variables) -> Result<String, RenderError> {
    let body = environment::render_part(Part::SmsBody, &template.body, vars)?;
    Ok(body.trim().to_string())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
