//! The enrollment write path: one transaction of 6 puts (the shape of an
//! enrollment: registration, contact, email index, enrollment, its id
//! mapping, a timeline entry) on a file-backed store.
//!
//! `cargo bench -p myx-local --bench store`; criterion reports elements/s,
//! one element being one transaction.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use myx_engine::{Condition, Item, Key, TableStore, WriteOp};
use myx_local::{LocalDb, SqliteStore};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

static NEXT: AtomicU64 = AtomicU64::new(0);

fn enrollment_ops() -> Vec<WriteOp> {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let (t, e, c) = ("t1", "e1", format!("c{n}"));
    let data = json!({
        "contact": c,
        "event": e,
        "status": "registered",
        "timezone": "Europe/Berlin",
        "channels": ["email", "sms"],
        "source": {"form": "landing", "utm": {"campaign": "launch", "medium": "email"}},
        "created_at": "2026-06-01T09:00:00Z",
    });
    let put = |pk: String, sk: &str, condition: Condition| WriteOp::Put {
        item: Item::new(Key::new(pk, sk), data.clone()),
        condition,
    };
    vec![
        put(
            format!("T#{t}#EVENT#{e}"),
            &format!("REG#{c}"),
            Condition::NotExists,
        ),
        put(format!("T#{t}#CONTACT#{c}"), "PROFILE", Condition::None),
        put(
            format!("T#{t}#EMAIL#{n:064x}"),
            "CONTACT",
            Condition::NotExists,
        ),
        WriteOp::Put {
            item: Item::new(Key::new(format!("T#{t}#ENR#{e}#{c}"), "META"), data.clone())
                .with_gsi1(Key::new(format!("T#{t}#ENRS"), format!("2026-06-01#{c}"))),
            condition: Condition::NotExists,
        },
        put(format!("T#{t}#ENRID#enr_{n}"), "META", Condition::None),
        put(
            format!("T#{t}#ENR#{e}#{c}"),
            "TL#2026-06-01T09:00:00Z#1",
            Condition::None,
        ),
    ]
}

fn enrollment_transactions(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store: SqliteStore = LocalDb::open(dir.path().join("bench.sqlite3"))
        .expect("the file opens")
        .store();
    let store = Arc::new(store);

    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(1));
    group.bench_function("transact_6_puts_sequential", |b| {
        b.iter(|| {
            runtime
                .block_on(store.transact(enrollment_ops()))
                .expect("the transaction commits")
        })
    });

    const CONCURRENT: usize = 64;
    group.throughput(Throughput::Elements(CONCURRENT as u64));
    group.bench_function("transact_6_puts_64_concurrent", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let tasks: Vec<_> = (0..CONCURRENT)
                    .map(|_| {
                        let store = Arc::clone(&store);
                        tokio::spawn(async move { store.transact(enrollment_ops()).await })
                    })
                    .collect();
                for task in tasks {
                    task.await
                        .expect("the task completes")
                        .expect("the transaction commits");
                }
            })
        })
    });
    group.finish();
}

criterion_group!(benches, enrollment_transactions);
criterion_main!(benches);
