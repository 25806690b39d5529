//! Sends per second through the engine into the outbox.
//!
//! A file-backed local stack (SQLite in WAL mode in a temporary folder, the
//! outbox writing `.eml` files there as `myx dev` does) on a virtual clock.
//! M contacts are enrolled directly through `myx_engine::enroll::enroll`
//! (not timed), then the driver advances the clock and delivers every due
//! send; the time that takes is measured and the sends are counted from the
//! outbox.
//!
//! Two funnels:
//! - `burst`: three email steps at `before_event` 3h, 2h and 1h, no quiet
//!   hours, no daily cap: every contact's send of a step falls due at the
//!   same instant (event-level timer, fan-out, one queue message each);
//! - `webinar`: `examples/funnels/webinar.yaml`, the clock advanced across
//!   the whole pre-event sequence (welcome, nurture, day-before, reminders;
//!   email and SMS), contacts registered a week out.
//!
//! ```sh
//! cargo bench -p myx-localstack --bench sends
//! ```
//!
//! `MYX_SENDS_CONTACTS` sets M (default 2000); `MYX_SENDS_CASES` picks
//! cases (comma-separated, default `burst,webinar`).

use jiff::{SignedDuration, Timestamp};
use myx_core::SourceFormat;
use myx_engine::{enroll, events, funnels};
use myx_localstack::stack::DEV_TENANT;
use myx_localstack::{LocalStack, StackOptions};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
// The allocator `myx dev` ships with, so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BURST: &str = r#"
funnel: burst
name: Three reminders at once
defaults:
  min_gap: 0m
pre_event:
  - id: r3h
    channels: [email]
    template: r
    send: { before_event: 3h }
  - id: r2h
    channels: [email]
    template: r
    send: { before_event: 2h }
  - id: r1h
    channels: [email]
    template: r
    send: { before_event: 1h }
templates:
  r:
    email:
      subject: "{{ event_title }} starts {{ event_start }}"
      html: "<p>Hi {{ first_name }}, <a href=\"{{ join_url }}\">join here</a>.</p>"
"#;

const START: &str = "2026-12-01T12:00:00Z";

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let contacts: usize = if smoke {
        20
    } else {
        std::env::var("MYX_SENDS_CONTACTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000)
    };
    let cases = std::env::var("MYX_SENDS_CASES").unwrap_or_else(|_| "burst,webinar".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // Each case's folder is removed only when every case has run: on
        // ext4, creating files right after thousands were deleted makes the
        // kernel's inode allocator skip each recently freed inode in turn
        // (`recently_deleted`, a 30 s window), which once cost the `.eml`
        // writer a fifth of the CPU and measured the previous case's
        // cleanup, not this case's sends. Runs back to back should be 30 s
        // apart for the same reason.
        let mut folders = Vec::new();
        for case in cases.split(',').map(str::trim) {
            match case {
                "burst" => {
                    folders.push(run("burst", BURST, SourceFormat::Yaml, contacts, true).await)
                }
                "webinar" => {
                    let yaml = std::fs::read_to_string(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/../../examples/funnels/webinar.yaml"
                    ))
                    .expect("webinar.yaml");
                    folders
                        .push(run("webinar-7day", &yaml, SourceFormat::Yaml, contacts, false).await)
                }
                other => eprintln!("unknown case {other:?}"),
            }
        }
    });
}

/// Runs one case; answers its folder, to be removed by the caller.
async fn run(
    funnel_id: &str,
    text: &str,
    format: SourceFormat,
    contacts: usize,
    burst: bool,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let start: Timestamp = START.parse().expect("start");
    let stack = Arc::new(
        LocalStack::open(StackOptions {
            data_dir: Some(dir.path().join("data")),
            public_url: "http://127.0.0.1:3000".into(),
            virtual_start: Some(start),
            admin_key: "bench-admin-key".into(),
            rate_limit_per_minute: None,
            smtp_relay: None,
        })
        .await
        .expect("stack opens"),
    );
    let engine = &stack.engine;
    funnels::put_funnel(engine, DEV_TENANT, funnel_id, text, format)
        .await
        .expect("funnel stored");
    let event_start = start
        .checked_add(SignedDuration::from_hours(7 * 24 + 6))
        .expect("event start");
    let event_end = event_start
        .checked_add(SignedDuration::from_hours(1))
        .expect("event end");
    let event = events::create_event(
        engine,
        DEV_TENANT,
        &json!({
            "title": "Bench Webinar", "type": "webinar",
            "startsAt": event_start.to_string(), "endsAt": event_end.to_string(),
            "timezone": "America/New_York", "platform": "other",
            "joinUrl": "https://meet.example.com/bench", "funnelId": funnel_id
        }),
    )
    .await
    .expect("event created");

    // Enroll M contacts, 32 at a time (not timed as part of the sends).
    let t_enroll = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..contacts {
        if set.len() >= 32 {
            set.join_next().await.expect("task").expect("enroll task");
        }
        let engine = engine.clone();
        let event_id = event.id.clone();
        let with_phone = !burst && i % 2 == 0;
        set.spawn(async move {
            let mut body = json!({
                "email": format!("c{i}@sends.example.com"),
                "firstName": "Ada", "lastName": "Lovelace", "eventId": event_id,
            });
            if with_phone {
                body["phone"] = json!(format!("+1415555{:04}", i % 10_000));
                body["smsConsent"] = json!(true);
            }
            let r = enroll::enroll(&engine, DEV_TENANT, &body, None)
                .await
                .expect("enrolled");
            assert_eq!(r.status, 201);
        });
    }
    while let Some(r) = set.join_next().await {
        r.expect("enroll task");
    }
    let enroll_secs = t_enroll.elapsed().as_secs_f64();

    // Deliver: the whole pre-event sequence up to the event start.
    let cpu_before = CpuTimes::read();
    let t = Instant::now();
    let processed = stack.driver.advance_to(event_start).await.expect("advance");
    let secs = t.elapsed().as_secs_f64();
    // The .eml copies are written behind the sends: also timed until the
    // last one is on disk.
    stack.outbox.flush_files().await;
    let files_secs = t.elapsed().as_secs_f64();
    let steal = CpuTimes::read()
        .zip(cpu_before)
        .and_then(|(after, before)| after.steal_share_since(&before))
        .map(|share| {
            format!(
                "; the hypervisor took {:.0} % of the CPU meanwhile",
                share * 100.0
            )
        })
        .unwrap_or_default();
    let outbox = stack.outbox.entries().await.expect("outbox");
    let emails = outbox.iter().filter(|e| e.channel == "email").count();
    let sms = outbox.len() - emails;
    println!(
        "{funnel_id}: {contacts} contacts enrolled in {enroll_secs:.2}s ({:.0}/s, not part of the figure); \
         delivered {} sends ({emails} email, {sms} sms; {processed} queue messages) in {secs:.2}s: {:.0} sends/s; \
         every .eml file written after {files_secs:.2}s ({:.0} sends/s){steal}",
        contacts as f64 / enroll_secs,
        outbox.len(),
        outbox.len() as f64 / secs,
        outbox.len() as f64 / files_secs,
    );
    let files = std::fs::read_dir(dir.path().join("data").join("outbox"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(files, emails, "one .eml file per email");
    if burst {
        assert_eq!(outbox.len(), contacts * 3, "every contact gets 3 sends");
    }
    dir
}

/// The machine's CPU time so far (`/proc/stat`'s first line, in ticks):
/// on a VM, the share the hypervisor gave to others ("steal") explains
/// much of the spread between runs of the same binary.
struct CpuTimes {
    total: u64,
    steal: u64,
}

impl CpuTimes {
    /// `None` where there is no `/proc/stat` (not Linux).
    fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .map(|f| f.parse().ok())
            .collect::<Option<_>>()?;
        // user nice system idle iowait irq softirq steal [guest guest_nice]:
        // guest time is already counted in user.
        let counted = fields.get(..8)?;
        Some(CpuTimes {
            total: counted.iter().sum(),
            steal: counted[7],
        })
    }

    fn steal_share_since(&self, before: &CpuTimes) -> Option<f64> {
        let total = self.total.checked_sub(before.total)?;
        let steal = self.steal.checked_sub(before.steal)?;
        (total > 0).then(|| steal as f64 / total as f64)
    }
}
