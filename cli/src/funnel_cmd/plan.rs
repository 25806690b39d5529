//! `myx funnel plan FILE --event-start T --event-end T --registered-at T ...`

use super::source::read_funnel;
use super::TableOrJson;
use crate::Outcome;
use clap::Args;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use myx_core::planner::report::PlanReport;
use myx_core::{plan, Branch, ChannelSet, EventWindow, Plan, Registration};
use std::path::PathBuf;

#[derive(Args)]
pub struct PlanArgs {
    /// Funnel file (YAML or JSON).
    file: PathBuf,
    /// Event start, RFC 3339 (e.g. 2026-12-10T17:00:00Z).
    #[arg(long)]
    event_start: String,
    /// Event end, RFC 3339.
    #[arg(long)]
    event_end: String,
    /// Registration time, RFC 3339.
    #[arg(long)]
    registered_at: String,
    /// Recipient's IANA time zone.
    #[arg(long, default_value = "UTC")]
    timezone: String,
    /// Channels the contact consented to, comma-separated.
    #[arg(long, default_value = "email,sms")]
    channels: String,
    /// Post-event branch to plan; without it both are listed as pending.
    #[arg(long, value_parser = ["attended", "no_show"])]
    branch: Option<String>,
    /// Contact id, used to pick A/B variants.
    #[arg(long)]
    contact_id: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: TableOrJson,
}

struct Inputs {
    event: EventWindow,
    registered_at: Timestamp,
    timezone: TimeZone,
    zone_name: String,
    channels: ChannelSet,
    branch: Option<Branch>,
}

fn parse_inputs(args: &PlanArgs) -> Result<Inputs, String> {
    let time = |flag: &str, v: &str| {
        v.trim()
            .parse::<Timestamp>()
            .map_err(|e| format!("{flag}: {v:?} is not an RFC 3339 time with an offset: {e}"))
    };
    let event = EventWindow {
        start: time("--event-start", &args.event_start)?,
        end: time("--event-end", &args.event_end)?,
    };
    if event.end < event.start {
        return Err(format!(
            "--event-end ({}) is before --event-start ({})",
            event.end, event.start
        ));
    }
    let timezone = TimeZone::get(&args.timezone).map_err(|_| {
        format!(
            "--timezone: unknown IANA time zone {:?} (e.g. America/New_York)",
            args.timezone
        )
    })?;
    let zone_name = timezone
        .iana_name()
        .unwrap_or(args.timezone.as_str())
        .to_string();
    Ok(Inputs {
        event,
        registered_at: time("--registered-at", &args.registered_at)?,
        timezone,
        zone_name,
        channels: ChannelSet::parse_list(&args.channels).map_err(|e| format!("--channels: {e}"))?,
        branch: args.branch.as_deref().map(str::parse).transpose()?,
    })
}

pub fn run(args: &PlanArgs, out: &mut String) -> anyhow::Result<Outcome> {
    let inputs = match parse_inputs(args) {
        Ok(i) => i,
        Err(message) => return Ok(Outcome::Usage(message)),
    };
    let funnel = match read_funnel(&args.file) {
        Ok(f) => f,
        Err(problems) => {
            eprintln!("{} is not a valid funnel:", args.file.display());
            for p in problems {
                eprintln!("  {p}");
            }
            return Ok(Outcome::Failure);
        }
    };
    let reg = Registration {
        at: inputs.registered_at,
        timezone: inputs.timezone.clone(),
        channels: inputs.channels,
        contact_id: args.contact_id.as_deref(),
    };
    let planned = match plan(&funnel, inputs.event, &reg, inputs.branch) {
        Ok(p) => p,
        Err(e) => return Ok(Outcome::Usage(e.to_string())),
    };
    let report = PlanReport::new(
        &funnel,
        inputs.event,
        inputs.registered_at,
        &inputs.zone_name,
        &planned,
    );
    match args.format {
        TableOrJson::Json => outln!(out, "{}", serde_json::to_string_pretty(&report)?),
        TableOrJson::Table => print_table(&report, &planned, &inputs.timezone, out),
    }
    Ok(Outcome::Success)
}

fn print_table(report: &PlanReport, planned: &Plan<'_>, tz: &TimeZone, out: &mut String) {
    outln!(
        out,
        "funnel {} | event {} to {} | registered {} | {} | compressed: {}",
        report.funnel,
        report.event.start,
        report.event.end,
        report.registered_at,
        report.timezone,
        if report.compressed { "yes" } else { "no" }
    );
    let header = [
        "SEND AT (UTC)",
        "LOCAL",
        "STEP",
        "CHAN",
        "STATUS",
        "REASON",
        "RULE",
    ];
    let rows: Vec<[String; 7]> = planned
        .sends
        .iter()
        .map(|s| {
            [
                s.send_at
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "-".into()),
                s.send_at
                    .map(|t| {
                        t.to_zoned(tz.clone())
                            .strftime("%a %b %d %H:%M %Z")
                            .to_string()
                    })
                    .unwrap_or_default(),
                match s.branch() {
                    Some(b) => format!("{}/{}", b, s.step.id),
                    None => s.step.id.clone(),
                },
                s.channel.as_str().to_string(),
                s.status.as_str().to_string(),
                s.reason.map(|r| r.as_str()).unwrap_or("").to_string(),
                s.step.send.describe(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        outln!(out, "{}", padded.join("  ").trim_end());
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
}
