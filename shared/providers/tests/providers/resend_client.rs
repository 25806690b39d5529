//! The Resend email sender against a local stub of its API (wiremock):
//! the exact request, 4xx, 429 with Retry-After, 5xx and a timeout.

use base64::Engine as _;
use myx_core::message::Attachment;
use myx_engine::{EmailSender, OutgoingEmail, SendError};
use myx_providers::resend::{ResendConfig, ResendEmail};
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn email() -> OutgoingEmail {
    OutgoingEmail {
        from: "Myxelium Dev <events@myxelium.test>".into(),
        to: "ada@example.com".into(),
        subject: "You're in, Ada".into(),
        html: "<p>Hi Ada</p>".into(),
        text: "Hi Ada".into(),
        headers: vec![
            (
                "List-Unsubscribe".into(),
                "<https://myx.example.com/v1/unsubscribe?token=t>".into(),
            ),
            (
                "List-Unsubscribe-Post".into(),
                "List-Unsubscribe=One-Click".into(),
            ),
        ],
        attachments: vec![Attachment {
            filename: "invite.ics".into(),
            content_type: "text/calendar".into(),
            content: b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec(),
        }],
        message_id: "msg_0190abc".into(),
        step: Some("welcome".into()),
        send_ref: None,
    }
}

fn sender(server: &MockServer, timeout: Duration) -> ResendEmail {
    ResendEmail::new(
        ResendConfig::new("re_test_key")
            .with_api_base(&server.uri())
            .with_timeout(timeout),
    )
    .unwrap()
}

#[tokio::test]
async fn a_sent_email_returns_resends_id_and_sends_the_exact_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/emails"))
        .and(header("authorization", "Bearer re_test_key"))
        .and(header("idempotency-key", "msg_0190abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "4ef9a417-02e9"})))
        .expect(1)
        .mount(&server)
        .await;
    let sent = sender(&server, Duration::from_secs(5))
        .send_email(&email())
        .await
        .unwrap();
    assert_eq!(sent.provider, "resend");
    assert_eq!(sent.provider_id, "4ef9a417-02e9");
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body,
        json!({
            "from": "Myxelium Dev <events@myxelium.test>",
            "to": ["ada@example.com"],
            "subject": "You're in, Ada",
            "html": "<p>Hi Ada</p>",
            "text": "Hi Ada",
            "headers": {
                "List-Unsubscribe": "<https://myx.example.com/v1/unsubscribe?token=t>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"
            },
            "attachments": [{
                "filename": "invite.ics",
                "content": base64::engine::general_purpose::STANDARD.encode(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
                "content_type": "text/calendar"
            }],
            "tags": [
                {"name": "message_id", "value": "msg_0190abc"},
                {"name": "step", "value": "welcome"}
            ]
        })
    );
}

#[tokio::test]
async fn a_validation_error_is_permanent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "statusCode": 422, "name": "validation_error",
            "message": "Invalid `to` field: ada@example.com"
        })))
        .mount(&server)
        .await;
    let e = sender(&server, Duration::from_secs(5))
        .send_email(&email())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SendError::Permanent(m) if m.contains("validation_error") && !m.contains("ada@")),
        "{e:?}"
    );
}

#[tokio::test]
async fn rate_limited_is_transient_with_its_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3")
                .set_body_json(json!({"statusCode": 429, "name": "rate_limit_exceeded"})),
        )
        .mount(&server)
        .await;
    let e = sender(&server, Duration::from_secs(5))
        .send_email(&email())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SendError::Transient(m) if m.contains("retry after 3 s")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_server_error_is_transient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let e = sender(&server, Duration::from_secs(5))
        .send_email(&email())
        .await
        .unwrap_err();
    assert!(matches!(e, SendError::Transient(_)), "{e:?}");
}

#[tokio::test]
async fn a_timeout_is_transient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(3))
                .set_body_json(json!({"id": "late"})),
        )
        .mount(&server)
        .await;
    let e = sender(&server, Duration::from_millis(300))
        .send_email(&email())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SendError::Transient(m) if m.contains("timed out")),
        "{e:?}"
    );
}
