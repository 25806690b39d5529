//! Load generator for `POST /v1/enrollments` over loopback HTTP.
//!
//! Starts the local stack in-process on 127.0.0.1:0 with a file-backed
//! SQLite store (WAL) in a temporary folder, the system clock and no rate
//! limit, serves it with axum, stores `examples/funnels/webinar.yaml`,
//! creates an event a week out, then drives enrollments with unique emails
//! from K concurrent client tasks sharing one keep-alive connection pool.
//! Every request's latency (send to full response body) goes into an
//! HdrHistogram. The server and the client share the same machine (and the
//! same tokio runtime), so on 2 cores the figures are for both together.
//!
//! ```sh
//! cargo bench -p myx-localstack --bench enroll_load
//! ```
//!
//! Environment knobs: `MYX_LOAD_CONCURRENCY` (comma-separated K values,
//! default `16,64`), `MYX_LOAD_REQUESTS` (per run, default 20000),
//! `MYX_LOAD_SECONDS` (time bound per run, default 25), `MYX_LOAD_DRIVER=1`
//! (also run the background driver as `myx dev` does, so welcome emails are
//! sent while enrolling). Each run uses a fresh stack and database.

use hdrhistogram::Histogram;

// The allocator `myx dev` ships with, so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use myx_localstack::{LocalStack, StackOptions};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ADMIN_KEY: &str = "bench-admin-key";
const WARMUP: u64 = 500;

struct Config {
    concurrency: Vec<usize>,
    requests: u64,
    seconds: u64,
    driver: bool,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config() -> Config {
    let concurrency = std::env::var("MYX_LOAD_CONCURRENCY")
        .ok()
        .map(|v| v.split(',').filter_map(|k| k.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![16, 64]);
    Config {
        concurrency,
        requests: env_or("MYX_LOAD_REQUESTS", 20_000),
        seconds: env_or("MYX_LOAD_SECONDS", 25),
        driver: std::env::var("MYX_LOAD_DRIVER").is_ok_and(|v| v == "1"),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // only check that the generator runs at all, briefly.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let mut cfg = config();
    if smoke {
        cfg = Config {
            concurrency: vec![4],
            requests: 200,
            seconds: 10,
            driver: false,
        };
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        println!(
            "enroll_load: {} logical CPUs shared by server and client; driver {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            if cfg.driver { "on" } else { "off" }
        );
        let mut failed = false;
        for &k in &cfg.concurrency {
            let warmup = if smoke { 0 } else { WARMUP };
            let r = run(k, cfg.requests, warmup, cfg.seconds, cfg.driver).await;
            failed |= r.non_201 > 0;
        }
        if failed {
            eprintln!("FAIL: some enrollments were not answered 201");
            std::process::exit(1);
        }
    });
}

struct Server {
    base: String,
    stack: Arc<LocalStack>,
    _dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
    driver_stop: Option<tokio::sync::oneshot::Sender<()>>,
}

async fn start(driver: bool) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let stack = Arc::new(
        LocalStack::open(StackOptions {
            data_dir: Some(dir.path().join("data")),
            public_url: base.clone(),
            virtual_start: None,
            admin_key: ADMIN_KEY.into(),
            rate_limit_per_minute: None,
            smtp_relay: None,
        })
        .await
        .expect("stack opens"),
    );
    let app = stack
        .router()
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    let driver_stop = driver.then(|| {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let d = stack.driver.clone();
        tokio::spawn(d.run_until(async move {
            let _ = rx.await;
        }));
        tx
    });
    Server {
        base,
        stack,
        _dir: dir,
        server,
        driver_stop,
    }
}

async fn setup_event(client: &Client, base: &str) -> String {
    let yaml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/funnels/webinar.yaml"
    ))
    .expect("webinar.yaml");
    let r = client
        .put(format!("{base}/v1/funnels/webinar-7day"))
        .bearer_auth(ADMIN_KEY)
        .header("content-type", "application/yaml")
        .body(yaml)
        .send()
        .await
        .expect("put funnel");
    assert!(r.status().is_success(), "{:?}", r.text().await);
    let start = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(7 * 24))
        .expect("start");
    let end = start
        .checked_add(jiff::SignedDuration::from_hours(1))
        .expect("end");
    let r = client
        .post(format!("{base}/v1/events"))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({
            "title": "Load Webinar", "type": "webinar",
            "startsAt": start.to_string(), "endsAt": end.to_string(),
            "timezone": "America/New_York", "platform": "other",
            "joinUrl": "https://meet.example.com/load", "funnelId": "webinar-7day"
        }))
        .send()
        .await
        .expect("create event");
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.expect("event json");
    v["id"].as_str().expect("event id").to_string()
}

struct Totals {
    hist: Histogram<u64>,
    non_201: u64,
}

/// Sends enrollments numbered from `next` until `limit` or `deadline`.
async fn drive(
    client: Client,
    url: Arc<String>,
    event: Arc<String>,
    tag: &'static str,
    next: Arc<AtomicU64>,
    limit: u64,
    deadline: Instant,
) -> Totals {
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
    let mut non_201 = 0;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= limit || Instant::now() >= deadline {
            break;
        }
        let body = json!({
            "email": format!("{tag}-{i}@load.example.com"),
            "firstName": "Ada", "lastName": "Lovelace",
            "eventId": event.as_str(),
        });
        let t0 = Instant::now();
        let ok = match client.post(url.as_str()).json(&body).send().await {
            Ok(r) => {
                let status = r.status();
                let _ = r.bytes().await;
                status == StatusCode::CREATED
            }
            Err(_) => false,
        };
        let us = t0.elapsed().as_micros() as u64;
        hist.saturating_record(us.max(1));
        if !ok {
            non_201 += 1;
        }
    }
    Totals { hist, non_201 }
}

async fn run(k: usize, requests: u64, warmup: u64, seconds: u64, driver: bool) -> Totals {
    let server = start(driver).await;
    let client = Client::builder()
        .pool_max_idle_per_host(k)
        .tcp_nodelay(true)
        .build()
        .expect("client");
    let event = Arc::new(setup_event(&client, &server.base).await);
    let url = Arc::new(format!("{}/v1/enrollments", server.base));

    // Warm-up: open the K connections, warm caches (funnel, statements).
    if warmup > 0 {
        let next = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(10);
        let tasks: Vec<_> = (0..k)
            .map(|_| {
                tokio::spawn(drive(
                    client.clone(),
                    url.clone(),
                    event.clone(),
                    "warm",
                    next.clone(),
                    warmup,
                    deadline,
                ))
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    }

    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..k)
        .map(|_| {
            tokio::spawn(drive(
                client.clone(),
                url.clone(),
                event.clone(),
                "load",
                next.clone(),
                requests,
                deadline,
            ))
        })
        .collect();
    let mut total = Totals {
        hist: Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram"),
        non_201: 0,
    };
    for t in tasks {
        let part = t.await.expect("client task");
        total.hist.add(&part.hist).expect("merge");
        total.non_201 += part.non_201;
    }
    let elapsed = started.elapsed();
    let n = total.hist.len();
    let ms = |q: f64| total.hist.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "K={k:<3} requests={n} in {:.2}s: {:.0} enrollments/s; latency ms p50={:.2} p90={:.2} p99={:.2} p99.9={:.2} max={:.2}; non-201={}",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        ms(0.50),
        ms(0.90),
        ms(0.99),
        ms(0.999),
        total.hist.max() as f64 / 1000.0,
        total.non_201,
    );
    if let Some(stop) = server.driver_stop {
        let _ = stop.send(());
        let sent = server.stack.outbox.entries().await.map_or(0, |e| e.len());
        println!("        driver on: {sent} welcome emails in the outbox at the end");
    }
    server.server.abort();
    total
}
