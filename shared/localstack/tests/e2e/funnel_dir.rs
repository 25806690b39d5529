//! `myx dev --funnels DIR`: files become funnel versions, edits become new
//! versions, and an invalid edit leaves the previous version in use.

use myx_engine::funnels;
use myx_localstack::funnel_dir::{FunnelDir, FunnelFileOutcome};
use myx_localstack::stack::DEV_TENANT;
use myx_localstack::{LocalStack, StackOptions};
use std::path::Path;

const WORKSHOP: &str = include_str!("../../../../examples/funnels/workshop.yaml");

async fn stack() -> LocalStack {
    LocalStack::open(StackOptions {
        data_dir: None,
        public_url: "http://127.0.0.1:1".into(),
        virtual_start: Some("2026-12-01T00:00:00Z".parse().unwrap()),
        admin_key: "k".into(),
        rate_limit_per_minute: None,
        smtp_relay: None,
    })
    .await
    .expect("the stack opens")
}

/// Writes `text` so that the file's size or modification time changes.
fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(2);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(later)
        .unwrap();
}

fn stored(outcome: &FunnelFileOutcome) -> (u64, bool) {
    match outcome {
        FunnelFileOutcome::Stored {
            version, changed, ..
        } => (*version, *changed),
        other => panic!("expected a stored funnel, got {other:?}"),
    }
}

#[tokio::test]
async fn edits_become_versions_and_invalid_edits_change_nothing() {
    let stack = stack().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("workshop.yaml");
    write(&file, WORKSHOP);
    // Expectation files beside the funnels are not funnels.
    std::fs::write(dir.path().join("workshop.test.yaml"), "not: a funnel").unwrap();
    let mut watched = FunnelDir::new(dir.path(), DEV_TENANT);

    let first = watched.sync(&stack.engine).await.unwrap();
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(stored(&first[0]), (1, true));
    assert!(
        watched.sync(&stack.engine).await.unwrap().is_empty(),
        "an untouched file is not read again"
    );

    write(&file, &WORKSHOP.replacen("name: ", "name: Edited ", 1));
    let edited = watched.sync(&stack.engine).await.unwrap();
    assert_eq!(stored(&edited[0]), (2, true));

    write(&file, "funnel: workshop-1day\nname: [unclosed\n");
    let broken = watched.sync(&stack.engine).await.unwrap();
    assert!(
        matches!(&broken[0], FunnelFileOutcome::Invalid { problem, .. } if !problem.is_empty()),
        "{broken:?}"
    );
    let latest = funnels::latest_version(&stack.engine, DEV_TENANT, "workshop-1day")
        .await
        .unwrap();
    assert_eq!(latest, Some(2), "the previous version stays in use");

    // Restoring the same text as version 2 makes no version 3.
    write(&file, &WORKSHOP.replacen("name: ", "name: Edited ", 1));
    let restored = watched.sync(&stack.engine).await.unwrap();
    assert_eq!(stored(&restored[0]), (2, false));
}
