//! Myxelium's domain core: the funnel file format, its validator, and the
//! adaptive-timing planner.
//!
//! This crate must stay free of AWS and of I/O (it parses text it is given);
//! the CLI, the local engine and the Lambda functions all call into it.

pub mod channel;
pub mod clock_time;
pub mod duration;
pub mod expectations;
pub mod funnel;
pub mod message;
pub mod planner;
pub mod template_vars;

pub use channel::{Channel, ChannelSet};
pub use clock_time::ClockTime;
pub use duration::Duration;
pub use funnel::{load_funnel, Funnel, Problem, SourceFormat};
pub use planner::{plan, Branch, EventWindow, Plan, PlanError, PlannedSend, Registration};
