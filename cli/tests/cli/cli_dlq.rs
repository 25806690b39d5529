//! `myx dlq list|redrive` against the dev stack's SQLite file.

use assert_cmd::Command;
use myx_engine::WorkMessage;
use myx_local::LocalDb;
use serde_json::Value;
use std::sync::Arc;

fn dead_letter_in(dir: &std::path::Path) {
    let db = LocalDb::open(dir.join("myx.sqlite3")).unwrap();
    let queue = db.queue(Arc::new(myx_engine::SystemClock));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let now = jiff::Timestamp::now();
        queue
            .enqueue_at(
                vec![WorkMessage::PostEvent {
                    tenant: "dev".into(),
                    event: "evt_1".into(),
                    contact: "con_1".into(),
                }],
                now,
            )
            .await
            .unwrap();
        let batch = queue
            .receive(now, 10, jiff::SignedDuration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(batch.len(), 1);
        queue
            .fail(batch[0].id, now, true, "template exploded")
            .await
            .unwrap();
        assert_eq!(queue.dead_letters().await.unwrap().len(), 1);
    });
}

fn dead_letters(dir: &std::path::Path) -> usize {
    let db = LocalDb::open(dir.join("myx.sqlite3")).unwrap();
    let queue = db.queue(Arc::new(myx_engine::SystemClock));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(queue.dead_letters()).unwrap().len()
}

fn myx() -> Command {
    Command::cargo_bin("myx").unwrap()
}

#[test]
fn list_shows_a_dead_letter_and_redrive_all_moves_it_back() {
    let data = tempfile::tempdir().unwrap();
    dead_letter_in(data.path());

    let out = myx()
        .args(["dlq", "list", "--format", "json", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["kind"], "post_event");
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(rows[0]["lastError"], "template exploded");
    assert!(rows[0]["id"].is_i64());
    assert!(rows[0]["deadAt"].is_string());

    myx()
        .args(["dlq", "list", "--data"])
        .arg(data.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("post_event"))
        .stdout(predicates::str::contains("template exploded"));

    myx()
        .args(["dlq", "redrive", "--all", "--data"])
        .arg(data.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("redrove 1"));
    assert_eq!(dead_letters(data.path()), 0);
}

#[test]
fn redrive_by_id() {
    let data = tempfile::tempdir().unwrap();
    dead_letter_in(data.path());
    let out = myx()
        .args(["dlq", "list", "--format", "json", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = rows[0]["id"].as_i64().unwrap().to_string();
    myx()
        .args(["dlq", "redrive", "--id", "999999", "--data"])
        .arg(data.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("redrove 0"));
    assert_eq!(dead_letters(data.path()), 1);
    myx()
        .args(["dlq", "redrive", "--id", &id, "--data"])
        .arg(data.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("redrove 1"));
    assert_eq!(dead_letters(data.path()), 0);
}

#[test]
fn usage_errors_exit_2() {
    let data = tempfile::tempdir().unwrap();
    // No database in the folder.
    myx()
        .args(["dlq", "list", "--data"])
        .arg(data.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no dev database"));
    dead_letter_in(data.path());
    // Neither --id nor --all, and both.
    myx()
        .args(["dlq", "redrive", "--data"])
        .arg(data.path())
        .assert()
        .code(2);
    myx()
        .args(["dlq", "redrive", "--all", "--id", "1", "--data"])
        .arg(data.path())
        .assert()
        .code(2);
    assert_eq!(dead_letters(data.path()), 1);
}
