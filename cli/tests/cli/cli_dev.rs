//! `myx dev` as scripts use it: start the binary with a virtual clock and an
//! admin key, wait for /v1/health, drive a funnel, stop it.

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) struct Dev(pub(crate) Child);

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) async fn wait_healthy(client: &reqwest::Client, base: &str) {
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/v1/health")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("myx dev did not become healthy");
}

#[tokio::test]
async fn dev_server_runs_a_funnel_on_a_virtual_clock() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _dev = Dev(Command::new(assert_cmd::cargo::cargo_bin("myx"))
        .args(["dev", "--port", &port.to_string(), "--clock", "virtual"])
        .args(["--start-time", "2026-12-01T15:00:00Z", "--admin-key", "KEY"])
        .arg("--data")
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap());
    let client = reqwest::Client::new();
    wait_healthy(&client, &base).await;

    // Admin calls need the key.
    let r = client
        .post(format!("{base}/v1/events"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let funnel = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/funnels/workshop.yaml"
    ))
    .unwrap();
    let r = client
        .put(format!("{base}/v1/funnels/workshop-1day"))
        .bearer_auth("KEY")
        .header("content-type", "application/yaml")
        .body(funnel)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["id"].as_str(), v["version"].as_u64()),
        (Some("workshop-1day"), Some(1))
    );

    let r = client
        .post(format!("{base}/v1/events"))
        .bearer_auth("KEY")
        .json(
            &json!({"title": "Workshop", "type": "workshop", "startsAt": "2026-12-05T15:00:00Z",
            "endsAt": "2026-12-05T22:00:00Z", "timezone": "Europe/London", "platform": "in_person",
            "joinUrl": "https://example.com/venue", "funnelId": "workshop-1day"}),
        )
        .send()
        .await
        .unwrap();
    let status = r.status();
    let event: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{event}");

    let r = client
        .post(format!("{base}/v1/enrollments"))
        .json(
            &json!({"email": "Grace@Example.com", "firstName": "Grace", "lastName": "Hopper",
            "eventId": event["id"], "phone": "+447911123456", "smsConsent": true}),
        )
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_eq!(status, 201, "{}", r.text().await.unwrap());

    let r = client
        .post(format!("{base}/v1/dev/clock/advance"))
        .json(&json!({"by": "5d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let outbox: Value = client
        .get(format!("{base}/v1/dev/outbox"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut messages = outbox["messages"].as_array().unwrap().clone();
    // Sends due at the same instant go out in no particular order.
    messages.sort_by_key(|m| {
        (
            m["sentAt"].as_str().unwrap().to_string(),
            m["step"].as_str().unwrap().to_string(),
            m["channel"].as_str().unwrap().to_string(),
        )
    });
    let steps: Vec<(&str, &str, &str)> = messages
        .iter()
        .map(|m| {
            (
                m["step"].as_str().unwrap(),
                m["channel"].as_str().unwrap(),
                m["to"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("confirmation", "email", "grace@example.com"),
            ("confirmation", "sms", "+447911123456"),
            ("prep", "email", "grace@example.com"),
            ("what-to-bring", "email", "grace@example.com"),
            ("doors-open", "sms", "+447911123456"),
        ]
    );
    // `what-to-bring` is 18:00 London time the day before.
    let wtb = messages
        .iter()
        .find(|m| m["step"] == "what-to-bring")
        .unwrap();
    assert_eq!(wtb["sentAt"], "2026-12-04T18:00:00Z");
    // Each email was also written as an .eml file.
    let eml_count = std::fs::read_dir(data.path().join("outbox"))
        .unwrap()
        .count();
    assert_eq!(eml_count, 3);
}
