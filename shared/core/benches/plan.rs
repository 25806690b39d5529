//! Planning the 7-day webinar funnel (examples/funnels/webinar.yaml).
//! Target: >= 100,000 plans/s on one core. Run:
//!   cargo bench -p myx-core --bench plan

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jiff::tz::TimeZone;
use myx_core::{load_funnel, plan, Branch, ChannelSet, EventWindow, Registration, SourceFormat};
use std::hint::black_box;

fn bench_plan(c: &mut Criterion) {
    let text = include_str!("../../../examples/funnels/webinar.yaml");
    let funnel = load_funnel(text, SourceFormat::Yaml).expect("webinar funnel is valid");
    let event = EventWindow {
        start: "2026-12-10T17:00:00Z".parse().unwrap(),
        end: "2026-12-10T18:00:00Z".parse().unwrap(),
    };
    let tz = TimeZone::get("America/New_York").unwrap();
    let cases = [
        ("early_registrant", "2026-12-01T15:00:00Z", None),
        ("late_registrant_compressed", "2026-12-08T17:00:00Z", None),
        (
            "attended_branch",
            "2026-12-08T17:00:00Z",
            Some(Branch::Attended),
        ),
    ];
    let mut group = c.benchmark_group("plan_webinar_7day");
    group.throughput(Throughput::Elements(1));
    for (name, registered, branch) in cases {
        let reg = Registration {
            at: registered.parse().unwrap(),
            timezone: tz.clone(),
            channels: ChannelSet::all(),
            contact_id: Some("contact-0001"),
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                plan(
                    black_box(&funnel),
                    black_box(event),
                    black_box(&reg),
                    branch,
                )
                .unwrap()
            })
        });
    }
    group.finish();

    let mut parse = c.benchmark_group("funnel_load");
    parse.bench_function("validate_webinar_yaml", |b| {
        b.iter(|| load_funnel(black_box(text), SourceFormat::Yaml).unwrap())
    });
    parse.finish();
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
