//! `myx dev`: the whole stack on 127.0.0.1 — the API routes, the engine, an
//! SQLite file, durable timers and queue, and the outbox.

use crate::Outcome;
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use myx_core::SourceFormat;
use myx_engine::{events, funnels};
use myx_localstack::funnel_dir::{FunnelDir, FunnelFileOutcome};
use myx_localstack::stack::DEV_TENANT;
use myx_localstack::{LocalStack, StackOptions};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClockKind {
    System,
    Virtual,
}

#[derive(Args)]
pub struct DevArgs {
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Folder for the database, the unsubscribe key and captured `.eml` files.
    #[arg(long, default_value = ".myx")]
    data: PathBuf,
    /// Load every funnel file (YAML or JSON) in this folder at start.
    #[arg(long)]
    funnels: Option<PathBuf>,
    /// Seed the example webinar funnel and an event three days out.
    #[arg(long)]
    demo: bool,
    /// `virtual`: time moves only through POST /v1/dev/clock/advance.
    #[arg(long, value_enum, default_value = "system")]
    clock: ClockKind,
    /// Where a virtual clock starts (RFC 3339); default now.
    #[arg(long)]
    start_time: Option<String>,
    /// The dev tenant's admin API key (default: generated and printed).
    #[arg(long)]
    admin_key: Option<String>,
    /// Enrollment requests per minute per address (0 disables).
    #[arg(long, default_value_t = 60)]
    rate_limit: u32,
    /// Also relay every email to this SMTP server, e.g. smtp://127.0.0.1:1025.
    #[arg(long, env = "MYX_SMTP_RELAY")]
    smtp: Option<String>,
    /// Base URL for links in messages (default http://127.0.0.1:PORT).
    #[arg(long, env = "MYX_PUBLIC_URL")]
    public_url: Option<String>,
}

pub fn run(args: DevArgs) -> anyhow::Result<Outcome> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: DevArgs) -> anyhow::Result<Outcome> {
    let virtual_start = match (args.clock, &args.start_time) {
        (ClockKind::Virtual, Some(t)) => Some(
            t.parse()
                .with_context(|| format!("--start-time {t:?} is not an RFC 3339 time"))?,
        ),
        (ClockKind::Virtual, None) => Some(jiff::Timestamp::now()),
        (ClockKind::System, Some(_)) => {
            return Ok(Outcome::Usage("--start-time needs --clock virtual".into()))
        }
        (ClockKind::System, None) => None,
    };
    let admin_key = args
        .admin_key
        .clone()
        .unwrap_or_else(|| format!("myx_dev_{}", uuid::Uuid::new_v4().simple()));
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://127.0.0.1:{}", args.port));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", args.port))?;
    // Provider settings come from the environment, as the Lambdas read
    // them from their secret (README: "Providers and webhooks").
    let providers = myx_localstack::ProviderSettings::from_env(&public_url)
        .context("reading provider settings (TWILIO_*, RESEND_*, ZOOM_*, SES_EVENTS_TOPIC_ARN)")?;
    let stack = Arc::new(
        LocalStack::open_with(
            StackOptions {
                data_dir: Some(args.data.clone()),
                public_url: public_url.clone(),
                virtual_start,
                admin_key: admin_key.clone(),
                rate_limit_per_minute: Some(args.rate_limit),
                smtp_relay: args.smtp.clone(),
            },
            providers,
        )
        .await
        .context("opening the local stack")?,
    );
    let mut funnel_dir = match &args.funnels {
        Some(dir) => Some(load_funnels(&stack, dir).await?),
        None => None,
    };
    let demo_event = if args.demo {
        Some(seed_demo(&stack).await?)
    } else {
        None
    };

    eprintln!("Myxelium dev stack on {public_url}");
    eprintln!("  API:        {public_url}/v1/health");
    eprintln!("  outbox:     {public_url}/v1/dev/outbox");
    eprintln!("  data:       {}", args.data.display());
    eprintln!("  admin key:  {admin_key}   (Authorization: Bearer ...)");
    eprintln!(
        "  clock:      {}",
        if virtual_start.is_some() {
            "virtual (POST /v1/dev/clock/advance)"
        } else {
            "system"
        }
    );
    if let Some(id) = demo_event {
        eprintln!("  demo event: {id}  (enroll: curl -XPOST {public_url}/v1/enrollments -H 'content-type: application/json' -d '{{\"email\":\"you@example.com\",\"firstName\":\"Ada\",\"lastName\":\"Lovelace\",\"eventId\":\"{id}\"}}')");
    }

    let watcher = funnel_dir
        .take()
        .map(|dir| tokio::spawn(watch_funnels(stack.clone(), dir)));
    let driver = stack.driver.clone();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut driver_stop = stop_rx.clone();
    let driver_task = tokio::spawn(driver.run_until(async move {
        let _ = driver_stop.changed().await;
    }));
    let app = stack
        .router()
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving HTTP")?;
    let _ = stop_tx.send(true);
    let _ = driver_task.await;
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    stack.outbox.flush_files().await;
    Ok(Outcome::Success)
}

/// Stores the folder's funnels; any invalid file stops `myx dev` from starting.
async fn load_funnels(stack: &LocalStack, dir: &std::path::Path) -> anyhow::Result<FunnelDir> {
    let mut funnel_dir = FunnelDir::new(dir, DEV_TENANT);
    let outcomes = funnel_dir
        .sync(&stack.engine)
        .await
        .with_context(|| format!("reading {}", dir.display()))?;
    for outcome in outcomes {
        match outcome {
            FunnelFileOutcome::Stored {
                path, id, version, ..
            } => eprintln!("loaded funnel {id} v{version} from {}", path.display()),
            FunnelFileOutcome::Invalid { path, problem } => {
                anyhow::bail!("{}: {problem}", path.display())
            }
        }
    }
    Ok(funnel_dir)
}

/// Re-reads the funnel folder every second while the server runs: a changed
/// file becomes a new funnel version (events created afterwards pin it); an
/// invalid edit is reported and the previous version stays.
async fn watch_funnels(stack: Arc<LocalStack>, mut funnel_dir: FunnelDir) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tick.tick().await;
        let outcomes = match funnel_dir.sync(&stack.engine).await {
            Ok(outcomes) => outcomes,
            Err(e) => {
                tracing::warn!(dir = %funnel_dir.dir().display(), error = %e, "cannot read the funnel folder");
                continue;
            }
        };
        for outcome in outcomes {
            match outcome {
                FunnelFileOutcome::Stored {
                    path,
                    id,
                    version,
                    changed: true,
                } => eprintln!("reloaded funnel {id} v{version} from {}", path.display()),
                FunnelFileOutcome::Stored { .. } => {}
                FunnelFileOutcome::Invalid { path, problem } => eprintln!(
                    "{}: not reloaded, the previous version stays: {problem}",
                    path.display()
                ),
            }
        }
    }
}

/// The example webinar funnel and an event three days out.
async fn seed_demo(stack: &LocalStack) -> anyhow::Result<String> {
    let text = include_str!("../../examples/funnels/webinar.yaml");
    funnels::put_funnel(
        &stack.engine,
        DEV_TENANT,
        "webinar-7day",
        text,
        SourceFormat::Yaml,
    )
    .await
    .map_err(|e| anyhow::anyhow!("seeding the demo funnel: {e}"))?;
    let now = stack.driver.now();
    let start = now
        .checked_add(jiff::SignedDuration::from_hours(72))
        .context("demo start")?
        .round(jiff::Unit::Hour)
        .context("rounding")?;
    let end = start
        .checked_add(jiff::SignedDuration::from_hours(1))
        .context("demo end")?;
    let body = serde_json::json!({
        "title": "Demo Webinar", "type": "webinar", "startsAt": start.to_string(), "endsAt": end.to_string(),
        "timezone": "America/New_York", "platform": "other", "joinUrl": "https://meet.example.com/demo",
        "funnelId": "webinar-7day"
    });
    let event = events::create_event(&stack.engine, DEV_TENANT, &body)
        .await
        .map_err(|e| anyhow::anyhow!("seeding the demo event: {e}"))?;
    Ok(event.id)
}
