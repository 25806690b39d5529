//! The `myx` binary's commands, run as a user runs them.
//!
//! One test binary per crate: every scenario links once and takes one
//! executable's disk space, not one per file.

mod cli_dev;
mod cli_dev_zoom;
mod cli_dlq;
mod cli_plan;
mod cli_simulate;
mod cli_test_cmd;
mod cli_validate;
