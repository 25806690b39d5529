//! `myx dlq list|redrive`: the dead letters of the local stack's queue (the
//! SQLite file `myx dev` uses), and putting them back on the queue.

use crate::funnel_cmd::TableOrJson;
use crate::Outcome;
use anyhow::Context as _;
use clap::{ArgGroup, Args, Subcommand};
use myx_local::{DeadLetter, LocalDb, LocalQueue, MessageId, Redrive};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Subcommand)]
pub enum DlqCommand {
    /// List the dead letters: id, attempts, when, last error, message kind.
    List(ListArgs),
    /// Put dead letters back on the queue (attempts reset, visible now).
    Redrive(RedriveArgs),
}

#[derive(Args)]
pub struct DataArg {
    /// The dev data folder (as given to `myx dev --data`).
    #[arg(long, default_value = ".myx")]
    data: PathBuf,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    data: DataArg,
    #[arg(long, value_enum, default_value = "table")]
    format: TableOrJson,
}

#[derive(Args)]
#[command(group(ArgGroup::new("which").required(true).args(["ids", "all"])))]
pub struct RedriveArgs {
    #[command(flatten)]
    data: DataArg,
    /// Dead-letter ids to redrive (repeat, or separate with commas).
    #[arg(long = "id", value_name = "N", num_args = 1.., value_delimiter = ',')]
    ids: Vec<i64>,
    /// Redrive every dead letter.
    #[arg(long, conflicts_with = "ids")]
    all: bool,
}

pub fn run(cmd: DlqCommand, out: &mut String) -> anyhow::Result<Outcome> {
    let data = match &cmd {
        DlqCommand::List(a) => &a.data.data,
        DlqCommand::Redrive(a) => &a.data.data,
    };
    let queue = match open_queue(data) {
        Ok(q) => q,
        Err(Opened::Missing(message)) => return Ok(Outcome::Usage(message)),
        Err(Opened::Failed(e)) => return Err(e),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match cmd {
        DlqCommand::List(args) => {
            let letters = runtime
                .block_on(queue.dead_letters())
                .context("reading the dead letters")?;
            match args.format {
                TableOrJson::Json => {
                    let rows: Vec<Value> = letters.iter().map(letter_json).collect();
                    outln!(out, "{}", serde_json::to_string_pretty(&rows)?);
                }
                TableOrJson::Table => print_table(&letters, out),
            }
        }
        DlqCommand::Redrive(args) => {
            let which = if args.all {
                Redrive::All
            } else {
                Redrive::Ids(args.ids.iter().copied().map(MessageId).collect())
            };
            let asked = match &which {
                Redrive::All => None,
                Redrive::Ids(ids) => Some(ids.len()),
            };
            let moved = runtime
                .block_on(queue.redrive(which, jiff::Timestamp::now()))
                .context("redriving the dead letters")?;
            match asked {
                Some(n) if n > moved => outln!(
                    out,
                    "redrove {moved} dead letter(s) back onto the queue ({} id(s) were not dead letters)",
                    n - moved
                ),
                _ => outln!(out, "redrove {moved} dead letter(s) back onto the queue"),
            }
        }
    }
    Ok(Outcome::Success)
}

enum Opened {
    Missing(String),
    Failed(anyhow::Error),
}

fn open_queue(data: &Path) -> Result<LocalQueue, Opened> {
    let file = data.join("myx.sqlite3");
    if !file.is_file() {
        return Err(Opened::Missing(format!(
            "no dev database at {} (start `myx dev --data {}` first, or pass --data DIR)",
            file.display(),
            data.display()
        )));
    }
    let db = LocalDb::open(&file)
        .with_context(|| format!("opening {}", file.display()))
        .map_err(Opened::Failed)?;
    Ok(db.queue(Arc::new(myx_engine::SystemClock)))
}

/// The message's `kind` (`event_step`, `contact_step`, ...), read from the
/// stored body so it shows even when the body no longer decodes.
fn kind_of(letter: &DeadLetter) -> String {
    serde_json::from_str::<Value>(&letter.body)
        .ok()
        .and_then(|v| v.get("kind").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

fn letter_json(letter: &DeadLetter) -> Value {
    json!({
        "id": letter.id.0,
        "attempts": letter.attempts,
        "deadAt": letter.dead_at,
        "lastError": letter.last_error,
        "kind": kind_of(letter),
        "message": serde_json::from_str::<Value>(&letter.body).unwrap_or(Value::String(letter.body.clone())),
    })
}

fn print_table(letters: &[DeadLetter], out: &mut String) {
    if letters.is_empty() {
        outln!(out, "no dead letters");
        return;
    }
    let rows: Vec<[String; 5]> = letters
        .iter()
        .map(|l| {
            [
                l.id.to_string(),
                l.attempts.to_string(),
                l.dead_at.to_string(),
                kind_of(l),
                l.last_error
                    .as_deref()
                    .unwrap_or("-")
                    .replace(['\n', '\r'], " "),
            ]
        })
        .collect();
    let header = ["ID", "ATTEMPTS", "DEAD AT (UTC)", "KIND", "LAST ERROR"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = |cells: [&str; 5]| {
        let text = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
        );
        outln!(out, "{}", text.trim_end());
    };
    line(header);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    outln!(out, "{} dead letter(s)", letters.len());
}
