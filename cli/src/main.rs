//! `myx`: the Myxelium operator CLI. This binary edge owns argument parsing,
//! file I/O and exit codes; every decision is made in `myx-core`.

/// `writeln!` into the command's output buffer (formatting into a String cannot fail).
macro_rules! outln {
    ($out:expr) => {{
        $out.push('\n');
    }};
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

mod dev_cmd;
mod dlq_cmd;
mod funnel_cmd;
mod simulate_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

// The local server allocates many small, short-lived buffers per request
// across threads; mimalloc handles that better than the system allocator
// (measured in docs/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "myx", version, about = "Myxelium: event funnels as code")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate, plan, test and describe funnels.
    #[command(subcommand)]
    Funnel(funnel_cmd::FunnelCommand),
    /// Run the whole stack locally on 127.0.0.1 (SQLite, outbox, timers).
    Dev(dev_cmd::DevArgs),
    /// Run a funnel for N simulated registrants on a virtual clock and report every send.
    Simulate(simulate_cmd::SimulateArgs),
    /// List and redrive the dev stack's dead letters.
    #[command(subcommand)]
    Dlq(dlq_cmd::DlqCommand),
}

/// Exit codes: 0 success, 1 invalid input or failed expectations, 2 bad usage.
pub enum Outcome {
    Success,
    Failure,
    Usage(String),
}

/// Writes the output; a reader that went away (`myx ... | head`) is not an error.
fn emit(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = String::new();
    let outcome = match cli.command {
        Command::Funnel(cmd) => funnel_cmd::run(cmd, &mut out),
        Command::Dev(args) => dev_cmd::run(args),
        Command::Simulate(args) => simulate_cmd::run(args, &mut out),
        Command::Dlq(cmd) => dlq_cmd::run(cmd, &mut out),
    };
    emit(&out);
    match outcome {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Ok(Outcome::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
