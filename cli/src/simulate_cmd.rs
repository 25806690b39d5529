//! `myx simulate FUNNEL ...`: the real engine with the local adapters, in
//! memory, on a virtual clock. Enrolls N registrants spread over the days
//! before the event, marks a fraction attended, completes the event, runs
//! two weeks past the end and reports every send and why others were skipped.
//!
//! Everything is deterministic for a given seed: registrants come from a
//! seeded generator and the engine's ids are sequential, so the same
//! arguments always print the same output.

use crate::funnel_cmd::TableOrJson;
use crate::Outcome;
use anyhow::Context as _;
use clap::Args;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use myx_core::funnel::Phase;
use myx_core::{Branch, Funnel, SourceFormat};
use myx_engine::records::TimelineKind;
use myx_engine::{enroll, events, funnels, keys, lifecycle, timeline, IdGenerator};
use myx_localstack::stack::DEV_TENANT;
use myx_localstack::{Driver, LocalStack, StackOptions};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const DEFAULT_ZONES: &str =
    "America/New_York,America/Los_Angeles,Europe/London,Europe/Berlin,Asia/Kolkata,Australia/Sydney";
const MAX_REGISTRATIONS: u32 = 100_000;

#[derive(Args)]
pub struct SimulateArgs {
    /// Funnel file (YAML or JSON).
    funnel: PathBuf,
    /// Event start, RFC 3339 (e.g. 2026-12-10T17:00:00Z).
    #[arg(long)]
    event_start: String,
    /// Event end, RFC 3339.
    #[arg(long)]
    event_end: String,
    /// How many people register.
    #[arg(long)]
    registrations: u32,
    /// Registrations are spread over this long before the start (e.g. 7d, 36h).
    #[arg(long, default_value = "7d")]
    spread: String,
    /// Fraction of registrants who attend, 0 to 1.
    #[arg(long, default_value_t = 0.4)]
    attendance: f64,
    /// Seed for the registrants' zones, phones and consent.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Registrants' IANA time zones, comma-separated (the first is the event's).
    #[arg(long, default_value = DEFAULT_ZONES)]
    timezones: String,
    /// Fraction of registrants who give a phone number and SMS consent, 0 to 1.
    #[arg(long, default_value_t = 0.5)]
    sms_share: f64,
    #[arg(long, value_enum, default_value = "table")]
    format: TableOrJson,
}

struct Inputs {
    start: Timestamp,
    end: Timestamp,
    spread: SignedDuration,
    spread_text: String,
    registrations: u32,
    attendance: f64,
    sms_share: f64,
    seed: u64,
    zones: Vec<String>,
}

fn parse_inputs(args: &SimulateArgs) -> Result<Inputs, String> {
    let time = |flag: &str, v: &str| {
        v.trim()
            .parse::<Timestamp>()
            .map_err(|e| format!("{flag}: {v:?} is not an RFC 3339 time with an offset: {e}"))
    };
    let start = time("--event-start", &args.event_start)?;
    let end = time("--event-end", &args.event_end)?;
    if end <= start {
        return Err(format!(
            "--event-end ({end}) must be after --event-start ({start})"
        ));
    }
    let spread = args
        .spread
        .parse::<myx_core::Duration>()
        .map_err(|e| format!("--spread: {e}"))?
        .as_signed();
    if spread <= SignedDuration::ZERO {
        return Err("--spread must be longer than zero".into());
    }
    if spread > SignedDuration::from_hours(24 * 366) {
        return Err("--spread must be at most a year".into());
    }
    let in_range = start
        .checked_sub(spread)
        .and_then(|t| t.checked_sub(SignedDuration::from_hours(1)))
        .is_ok()
        && end.checked_add(SignedDuration::from_hours(24 * 15)).is_ok();
    if !in_range {
        return Err("the event is too close to the limits of representable time".into());
    }
    if !(1..=MAX_REGISTRATIONS).contains(&args.registrations) {
        return Err(format!(
            "--registrations must be between 1 and {MAX_REGISTRATIONS}"
        ));
    }
    let fraction = |flag: &str, v: f64| {
        if (0.0..=1.0).contains(&v) {
            Ok(v)
        } else {
            Err(format!("{flag} must be between 0 and 1, got {v}"))
        }
    };
    let mut zones = Vec::new();
    for name in args.timezones.split(',').map(str::trim) {
        if name.is_empty() {
            continue;
        }
        let tz = TimeZone::get(name).map_err(|_| {
            format!("--timezones: unknown IANA time zone {name:?} (e.g. America/New_York)")
        })?;
        zones.push(tz.iana_name().unwrap_or(name).to_string());
    }
    if zones.is_empty() {
        return Err("--timezones: give at least one IANA time zone".into());
    }
    Ok(Inputs {
        start,
        end,
        spread,
        spread_text: args.spread.trim().to_string(),
        registrations: args.registrations,
        attendance: fraction("--attendance", args.attendance)?,
        sms_share: fraction("--sms-share", args.sms_share)?,
        seed: args.seed,
        zones,
    })
}

/// SplitMix64: tiny, seeded, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n); n > 0.
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Sequential ids, so a simulation's contact ids (and with them A/B
/// variants and the order of simultaneous work) repeat run after run.
#[derive(Default)]
struct SequentialIds(AtomicU64);

impl IdGenerator for SequentialIds {
    fn new_id(&self, prefix: &str) -> String {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{prefix}_{n:032x}")
    }
}

/// One simulated person.
struct Registrant {
    email: String,
    registered_at: Timestamp,
    zone: String,
    phone: Option<String>,
    attends: bool,
}

/// Valid E.164 numbers in San Francisco's 415-555 block, unique per index.
fn phone_for(index: u32) -> String {
    format!("+1415555{:04}", index % 10_000)
}

fn registrants(inputs: &Inputs) -> Vec<Registrant> {
    let mut rng = Rng(inputs.seed);
    let n = inputs.registrations;
    let first = inputs.start - inputs.spread;
    let slot = inputs.spread.as_nanos() / i128::from(n);
    let mut people: Vec<Registrant> = (0..n)
        .map(|i| {
            // Inside the i-th of n equal slots of [start - spread, start).
            // Whole seconds: the engine turns a sub-second wait into a
            // zero queue delay, which would spin on a virtual clock.
            let jitter = (rng.unit() * slot as f64) as i128;
            let offset = (i128::from(i) * slot + jitter).min(inputs.spread.as_nanos() - 1);
            let offset = offset - offset % 1_000_000_000;
            let registered_at = first + SignedDuration::from_nanos(offset as i64);
            let zone = inputs.zones[rng.below(inputs.zones.len() as u64) as usize].clone();
            let phone = (rng.unit() < inputs.sms_share).then(|| phone_for(i));
            Registrant {
                email: format!("person{:05}@example.com", i + 1),
                registered_at,
                zone,
                phone,
                attends: false,
            }
        })
        .collect();
    // Exactly round(attendance * n) attend, chosen by a seeded shuffle.
    let attending = ((inputs.attendance * f64::from(n)).round() as usize).min(people.len());
    let mut order: Vec<usize> = (0..people.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    for &i in &order[..attending] {
        people[i].attends = true;
    }
    people
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendRow {
    to: String,
    channel: String,
    step: String,
    sent_at: Timestamp,
}

#[derive(Serialize)]
struct Summary {
    sent: BTreeMap<String, u64>,
    skipped: BTreeMap<String, u64>,
}

#[derive(Serialize)]
struct EventWindowOut {
    start: Timestamp,
    end: Timestamp,
}

#[derive(Serialize)]
struct Report {
    funnel: String,
    event: EventWindowOut,
    registrations: u32,
    sends: Vec<SendRow>,
    summary: Summary,
}

pub fn run(args: SimulateArgs, out: &mut String) -> anyhow::Result<Outcome> {
    let inputs = match parse_inputs(&args) {
        Ok(i) => i,
        Err(message) => return Ok(Outcome::Usage(message)),
    };
    let text = match std::fs::read_to_string(&args.funnel) {
        Ok(t) => t,
        Err(e) => {
            return Ok(Outcome::Usage(format!(
                "cannot read {}: {e}",
                args.funnel.display()
            )))
        }
    };
    let format = SourceFormat::from_path(&args.funnel);
    let funnel = match myx_core::load_funnel(&text, format) {
        Ok(f) => f,
        Err(problems) => {
            eprintln!("{} is not a valid funnel:", args.funnel.display());
            for p in problems {
                eprintln!("  {p}");
            }
            return Ok(Outcome::Failure);
        }
    };
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() {
        // Quiet unless asked: RUST_LOG=info shows the engine's decisions.
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = runtime.block_on(simulate(&inputs, &funnel, &text, format))?;
    match args.format {
        TableOrJson::Json => outln!(out, "{}", serde_json::to_string_pretty(&report)?),
        TableOrJson::Table => print_table(&report, &inputs, &funnel, out),
    }
    Ok(Outcome::Success)
}

async fn simulate(
    inputs: &Inputs,
    funnel: &Funnel,
    text: &str,
    format: SourceFormat,
) -> anyhow::Result<Report> {
    let virtual_start = inputs.start - inputs.spread - SignedDuration::from_hours(1);
    let stack = LocalStack::open(StackOptions {
        data_dir: None,
        public_url: "http://127.0.0.1:3000".into(),
        virtual_start: Some(virtual_start),
        admin_key: "myx_simulate".into(),
        rate_limit_per_minute: None,
        smtp_relay: None,
    })
    .await
    .context("opening the in-memory stack")?;
    // The same adapters, with sequential ids for a repeatable run.
    let mut engine = stack.engine.clone();
    engine.ids = Arc::new(SequentialIds::default());
    let driver = Driver::new(
        engine.clone(),
        stack.driver.queue().clone(),
        stack.driver.timers().clone(),
        stack.virtual_clock.clone(),
    );

    funnels::put_funnel(&engine, DEV_TENANT, &funnel.id, text, format)
        .await
        .map_err(|e| anyhow::anyhow!("storing the funnel: {e}"))?;
    let event = events::create_event(
        &engine,
        DEV_TENANT,
        &json!({
            "title": "Simulated event",
            "type": "webinar",
            "startsAt": inputs.start.to_string(),
            "endsAt": inputs.end.to_string(),
            "timezone": inputs.zones[0],
            "platform": "other",
            "joinUrl": "https://meet.example.com/simulated",
            "replayUrl": "https://replay.example.com/simulated",
            "funnelId": funnel.id,
        }),
    )
    .await
    .map_err(|e| anyhow::anyhow!("creating the event: {e}"))?;

    let people = registrants(inputs);
    let mut contacts = Vec::with_capacity(people.len());
    for (i, person) in people.iter().enumerate() {
        driver.advance_to(person.registered_at).await?;
        let mut body = json!({
            "email": person.email,
            "firstName": "Sim",
            "lastName": format!("Person {}", i + 1),
            "eventId": event.id,
            "timezone": person.zone,
        });
        if let Some(phone) = &person.phone {
            body["phone"] = json!(phone);
            body["smsConsent"] = json!(true);
        }
        let response = enroll::enroll(&engine, DEV_TENANT, &body, None)
            .await
            .map_err(|e| anyhow::anyhow!("enrolling {}: {e}", person.email))?;
        let contact = response
            .body
            .get("contactId")
            .and_then(Value::as_str)
            .with_context(|| format!("enrolling {}: no contactId in the response", person.email))?
            .to_string();
        contacts.push(contact);
    }

    driver.advance_to(inputs.end).await?;
    for person in people.iter().filter(|p| p.attends) {
        lifecycle::mark_attended(
            &engine,
            DEV_TENANT,
            &event.id,
            &keys::normalize_email(&person.email),
        )
        .await
        .map_err(|e| anyhow::anyhow!("marking {} attended: {e}", person.email))?;
    }
    lifecycle::complete(&engine, DEV_TENANT, &event.id)
        .await
        .map_err(|e| anyhow::anyhow!("completing the event: {e}"))?;
    driver
        .advance_to(inputs.end + SignedDuration::from_hours(24 * 14))
        .await?;

    let mut sends: Vec<SendRow> = stack
        .outbox
        .entries()
        .await
        .context("reading the outbox")?
        .into_iter()
        .map(|e| SendRow {
            to: e.to,
            channel: e.channel,
            step: e.step.unwrap_or_else(|| "-".into()),
            sent_at: e.sent_at,
        })
        .collect();
    sends.sort_by(|a, b| {
        (a.sent_at, &a.to, &a.channel, &a.step).cmp(&(b.sent_at, &b.to, &b.channel, &b.step))
    });
    let mut sent = BTreeMap::new();
    for s in &sends {
        *sent.entry(format!("{}/{}", s.step, s.channel)).or_insert(0) += 1;
    }

    // A registrant's post-event steps are those of their own branch only.
    let branch_of_step: BTreeMap<&str, Branch> = funnel
        .steps()
        .filter_map(|(phase, step)| match phase {
            Phase::PostEvent(b) => Some((step.id.as_str(), b)),
            Phase::PreEvent => None,
        })
        .collect();
    let mut skipped = BTreeMap::new();
    for (contact, person) in contacts.iter().zip(&people) {
        let branch = if person.attends {
            Branch::Attended
        } else {
            Branch::NoShow
        };
        let entries = timeline::read(&engine, DEV_TENANT, &event.id, contact)
            .await
            .map_err(|e| anyhow::anyhow!("reading a timeline: {e}"))?;
        let mut delivered = BTreeSet::new();
        let mut last_skip: BTreeMap<(String, String), String> = BTreeMap::new();
        for entry in &entries {
            let (Some(step), Some(channel)) = (&entry.step, entry.channel) else {
                continue;
            };
            let key = (step.clone(), channel.to_string());
            match entry.kind {
                TimelineKind::Sent => {
                    delivered.insert(key);
                }
                TimelineKind::Skipped => {
                    last_skip.insert(key, reason_code(entry.reason.as_deref()));
                }
                _ => {}
            }
        }
        for ((step, channel), reason) in last_skip {
            let other_branch = branch_of_step
                .get(step.as_str())
                .is_some_and(|b| *b != branch);
            if !other_branch && !delivered.contains(&(step.clone(), channel.clone())) {
                *skipped
                    .entry(format!("{step}/{channel}/{reason}"))
                    .or_insert(0) += 1;
            }
        }
    }

    Ok(Report {
        funnel: funnel.id.clone(),
        event: EventWindowOut {
            start: inputs.start,
            end: inputs.end,
        },
        registrations: inputs.registrations,
        sends,
        summary: Summary { sent, skipped },
    })
}

/// The reason's code: `condition_not_met (unless)` → `condition_not_met`.
fn reason_code(reason: Option<&str>) -> String {
    let code: String = reason
        .unwrap_or("")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if code.is_empty() {
        "unspecified".into()
    } else {
        code
    }
}

fn print_table(report: &Report, inputs: &Inputs, funnel: &Funnel, out: &mut String) {
    let attending = ((inputs.attendance * f64::from(inputs.registrations)).round() as u64)
        .min(u64::from(inputs.registrations));
    outln!(
        out,
        "funnel {} | event {} to {} | {} registrations over {} | {} attended | seed {}",
        report.funnel,
        report.event.start,
        report.event.end,
        report.registrations,
        inputs.spread_text,
        attending,
        inputs.seed
    );
    outln!(out);
    let rows: Vec<[String; 4]> = report
        .sends
        .iter()
        .map(|s| {
            [
                s.sent_at.to_string(),
                s.channel.clone(),
                s.step.clone(),
                s.to.clone(),
            ]
        })
        .collect();
    table(out, ["SENT AT (UTC)", "CHANNEL", "STEP", "TO"], &rows);
    outln!(out);

    // Summary rows in funnel order, then anything else (e.g. notices).
    let mut order: Vec<(String, String)> = Vec::new();
    for (_, step) in funnel.steps() {
        for channel in ["email", "sms"] {
            order.push((step.id.clone(), channel.to_string()));
        }
    }
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut extra: BTreeSet<(String, String)> = BTreeSet::new();
    for key in report
        .summary
        .sent
        .keys()
        .chain(report.summary.skipped.keys())
    {
        let mut parts = key.splitn(3, '/');
        let step = parts.next().unwrap_or("").to_string();
        let channel = parts.next().unwrap_or("").to_string();
        seen.insert((step.clone(), channel.clone()));
        if !order.contains(&(step.clone(), channel.clone())) {
            extra.insert((step, channel));
        }
    }
    order.extend(extra);
    let mut summary_rows = Vec::new();
    let (mut total_sent, mut total_skipped) = (0u64, 0u64);
    for (step, channel) in order.into_iter().filter(|k| seen.contains(k)) {
        let sent = report
            .summary
            .sent
            .get(&format!("{step}/{channel}"))
            .copied()
            .unwrap_or(0);
        let prefix = format!("{step}/{channel}/");
        let reasons: Vec<(String, u64)> = report
            .summary
            .skipped
            .iter()
            .filter_map(|(k, n)| k.strip_prefix(&prefix).map(|r| (r.to_string(), *n)))
            .collect();
        let skipped: u64 = reasons.iter().map(|(_, n)| n).sum();
        total_sent += sent;
        total_skipped += skipped;
        let why = reasons
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        summary_rows.push([
            step,
            channel,
            sent.to_string(),
            skipped.to_string(),
            if why.is_empty() { "-".into() } else { why },
        ]);
    }
    summary_rows.push([
        "total".into(),
        String::new(),
        total_sent.to_string(),
        total_skipped.to_string(),
        String::new(),
    ]);
    table(
        out,
        ["STEP", "CHANNEL", "SENT", "SKIPPED", "SKIPPED BY REASON"],
        &summary_rows,
    );
}

fn table<const N: usize>(out: &mut String, header: [&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        outln!(out, "{}", text.trim_end());
    };
    line(out, &header);
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(out, &cells);
    }
}
