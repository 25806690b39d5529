//! Turning a funnel step into a deliverable message.
//!
//! - [`variables`]: what a template sees ([`MessageContext`] → [`Variables`]).
//! - [`render`]: a funnel template rendered for one channel.
//! - [`unsubscribe`]: signed one-click unsubscribe tokens and links.
//! - [`email`]: the final, compliant email ([`build_email`]) and its
//!   RFC 5322 form ([`to_eml`]).
//! - [`calendar`]: the event's `.ics` and add-to-calendar links.
//! - [`sms`]: SMS segment counting and the compliant SMS body.
//!
//! This crate holds no I/O: no AWS, no SQLite, no HTTP. Callers pass the
//! instants they mean; only [`to_eml`] reads the clock, for its `Date`
//! ([`to_eml_at`] takes one).

pub mod calendar;
pub mod email;
pub mod render;
pub mod sms;
pub mod unsubscribe;
pub mod variables;

pub use calendar::{CalendarError, CalendarEvent};
pub use email::{build_email, to_eml, to_eml_at, EmailError, EmailRequest, EmlError};
pub use render::{render, render_email, render_sms, Part, RenderError, Rendered, RenderedEmail};
pub use sms::{compose_sms, count_segments, SmsEncoding, SmsSegments};
pub use unsubscribe::{Claims, Scope, TokenError, UnsubscribeKey};
pub use variables::{MessageContext, Variables};
