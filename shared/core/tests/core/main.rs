//! The funnel format, validator, planner and expectation files through the public API.
//!
//! One test binary per crate: every scenario links once and takes one
//! executable's disk space, not one per file.

mod common;

mod expectations;
mod planner_dst;
mod planner_props;
mod planner_rules;
mod validation;
