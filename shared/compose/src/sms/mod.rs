//! SMS: how many segments a body costs, and the compliant body itself.

mod compose;
mod gsm7;
mod segments;

pub use compose::{compose_sms, OPT_OUT_TEXT};
pub use segments::{count_segments, SmsEncoding, SmsSegments};
