//! The contract for scripts: `myx dev` reads `ZOOM_*` from its environment.
//! With the API and token URLs pointing at a local stub, a Zoom event's
//! enrollment answers with the stub's personal join URL, and the webhook
//! answers Zoom's (signed) URL validation with the configured secret token.

use crate::cli_dev::{free_port, wait_healthy, Dev};
use myx_providers::zoom::ZoomWebhookSecret;
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "dev-zoom-webhook-secret";
const JOIN_URL: &str = "https://us02web.zoom.us/w/85746065123?tk=from-the-stub";

async fn zoom_stub() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "tok", "expires_in": 3600})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/meetings/85746065123/registrants"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"registrant_id": "reg-1", "join_url": JOIN_URL})),
        )
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn dev_server_reads_zoom_settings_from_the_environment() {
    let zoom = zoom_stub().await;
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _dev = Dev(Command::new(assert_cmd::cargo::cargo_bin("myx"))
        .args(["dev", "--port", &port.to_string(), "--clock", "virtual"])
        .args(["--start-time", "2026-12-01T15:00:00Z", "--admin-key", "KEY"])
        .arg("--data")
        .arg(data.path())
        .env("ZOOM_ACCOUNT_ID", "acct")
        .env("ZOOM_CLIENT_ID", "client")
        .env("ZOOM_CLIENT_SECRET", "secret")
        .env("ZOOM_WEBHOOK_SECRET_TOKEN", SECRET)
        .env("ZOOM_API_BASE", format!("{}/v2", zoom.uri()))
        .env("ZOOM_OAUTH_URL", format!("{}/oauth/token", zoom.uri()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap());
    let client = reqwest::Client::new();
    wait_healthy(&client, &base).await;

    let funnel = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/funnels/webinar.yaml"
    ))
    .unwrap();
    let r = client
        .put(format!("{base}/v1/funnels/webinar-7day"))
        .bearer_auth("KEY")
        .header("content-type", "application/yaml")
        .body(funnel)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = client
        .post(format!("{base}/v1/events"))
        .bearer_auth("KEY")
        .json(&json!({"title": "Zoom Launch", "startsAt": "2026-12-10T17:00:00Z",
            "endsAt": "2026-12-10T18:00:00Z", "timezone": "America/New_York",
            "platform": "zoom_meeting", "zoomMeetingId": 85746065123u64, "funnelId": "webinar-7day"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let event: Value = r.json().await.unwrap();
    let r = client
        .post(format!("{base}/v1/enrollments"))
        .json(
            &json!({"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace",
            "eventId": event["id"]}),
        )
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["joinUrl"], JOIN_URL);

    // Zoom validates the webhook URL; signed at the virtual clock's time.
    let validation =
        br#"{"payload":{"plainToken":"abc123"},"event_ts":1,"event":"endpoint.url_validation"}"#;
    let at = "2026-12-01T15:00:00Z"
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_second();
    let secret = ZoomWebhookSecret::new(SECRET).unwrap();
    let r = client
        .post(format!("{base}/v1/webhooks/zoom"))
        .header("content-type", "application/json")
        .header("x-zm-request-timestamp", at.to_string())
        .header("x-zm-signature", secret.sign(at, validation))
        .body(validation.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["plainToken"], "abc123");
    assert_eq!(answer["encryptedToken"], secret.encrypt_token("abc123"));
}
