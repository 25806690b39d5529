//! Rendering, email, calendar, SMS and unsubscribe composition through the public API.
//!
//! One test binary per crate: every scenario links once and takes one
//! executable's disk space, not one per file.

mod common;

mod calendar;
mod email;
mod render;
mod sms;
mod unsubscribe;
mod variables;
