//! `myx funnel ...` subcommands.

mod plan;
mod schema;
mod source;
mod test;
mod validate;

use crate::Outcome;
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    Table,
    Json,
}

#[derive(Subcommand)]
pub enum FunnelCommand {
    /// Check funnel files (YAML or JSON) and explain every problem.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextOrJson,
    },
    /// Show when each step would be sent for one registration.
    Plan(plan::PlanArgs),
    /// Run funnel expectation files (`*.test.yaml`), or the ones beside funnel files.
    Test {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the funnel file format.
    Schema,
    /// List the variables templates may use.
    Variables,
}

pub fn run(cmd: FunnelCommand, out: &mut String) -> anyhow::Result<Outcome> {
    match cmd {
        FunnelCommand::Validate { files, format } => validate::run(&files, format, out),
        FunnelCommand::Plan(args) => plan::run(&args, out),
        FunnelCommand::Test { files } => test::run(&files, out),
        FunnelCommand::Schema => schema::print_schema(out),
        FunnelCommand::Variables => schema::print_variables(out),
    }
}
