//! The Twilio SMS sender against a local stub of the Messages API (wiremock):
//! success, invalid number, 429 with Retry-After, 5xx and a timeout.

use base64::Engine as _;
use myx_engine::{OutgoingSms, SendError, SmsSender};
use myx_providers::twilio::{TwilioConfig, TwilioSms};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "test-auth-token";
const MESSAGES: &str = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json";

fn sms() -> OutgoingSms {
    OutgoingSms {
        from: "+15550001111".into(),
        to: "+14155550123".into(),
        body: "Hi Ada: you're in! Reply STOP to opt out.".into(),
        message_id: "msg_1".into(),
        step: Some("welcome".into()),
        send_ref: None,
    }
}

fn sender(server: &MockServer, timeout: Duration) -> TwilioSms {
    let mut config = TwilioConfig::new(SID, TOKEN)
        .with_public_url("https://myx.example.com/")
        .with_timeout(timeout);
    config.api_base = server.uri();
    config.from = Some("+15005550006".into());
    TwilioSms::new(config).unwrap()
}

fn form_of(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

#[tokio::test]
async fn a_sent_message_returns_twilios_sid_and_sends_the_exact_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let sent = sender(&server, Duration::from_secs(5))
        .send_sms(&sms())
        .await
        .unwrap();
    assert_eq!(sent.provider, "twilio");
    assert_eq!(sent.provider_id, "SM0123456789abcdef0123456789abcdef");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    let auth = request
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    );
    assert_eq!(auth, expected);
    assert!(request
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("application/x-www-form-urlencoded"));
    assert_eq!(
        form_of(&request.body),
        vec![
            ("To".to_string(), "+14155550123".to_string()),
            ("From".to_string(), "+15005550006".to_string()),
            (
                "Body".to_string(),
                "Hi Ada: you're in! Reply STOP to opt out.".to_string()
            ),
            (
                "StatusCallback".to_string(),
                "https://myx.example.com/v1/webhooks/twilio/status".to_string()
            ),
        ]
    );
}

#[tokio::test]
async fn an_invalid_number_is_permanent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "code": 21211,
            "message": "The 'To' number +14155550123 is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400
        })))
        .mount(&server)
        .await;
    let e = sender(&server, Duration::from_secs(5))
        .send_sms(&sms())
        .await
        .unwrap_err();
    match &e {
        SendError::Permanent(m) => {
            assert!(m.contains("21211"), "{m}");
            assert!(!m.contains("4155550123"), "no phone number in {m}");
        }
        other => panic!("expected permanent, got {other:?}"),
    }
}

#[tokio::test]
async fn an_opted_out_number_is_permanent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"code": 21610, "status": 400})),
        )
        .mount(&server)
        .await;
    let e = sender(&server, Duration::from_secs(5))
        .send_sms(&sms())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SendError::Permanent(m) if m.contains("21610") && m.contains("opted out")),
        "{e:?}"
    );
}

#[tokio::test]
async fn rate_limited_is_transient_with_its_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "17")
                .set_body_json(serde_json::json!({"code": 20429, "message": "Too Many Requests"})),
        )
        .mount(&server)
        .await;
    let e = sender(&server, Duration::from_secs(5))
        .send_sms(&sms())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SendError::Transient(m) if m.contains("retry after 17 s")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_server_error_is_transient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(ResponseTemplate::new(500).set_body_string("oops"))
        .mount(&server)
        .await;
    let e = sender(&server, Duration::from_secs(5))
        .send_sms(&sms())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SendError::Transient(m) if m.contains("500")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_timeout_is_transient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(
            ResponseTemplate::new(201)
                .set_delay(Duration::from_secs(3))
                .set_body_json(serde_json::json!({"sid": "SMlate"})),
        )
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let e = sender(&server, Duration::from_millis(300))
        .send_sms(&sms())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SendError::Transient(m) if m.contains("timed out")),
        "{e:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the timeout applied"
    );
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    // A port nothing listens on: bind one, then free it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut config = TwilioConfig::new(SID, TOKEN);
    config.api_base = format!("http://{addr}");
    let e = TwilioSms::new(config)
        .unwrap()
        .send_sms(&sms())
        .await
        .unwrap_err();
    assert!(matches!(e, SendError::Transient(_)), "{e:?}");
}

#[tokio::test]
async fn an_accepted_message_without_a_sid_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{}"))
        .mount(&server)
        .await;
    let e = sender(&server, Duration::from_secs(5))
        .send_sms(&sms())
        .await
        .unwrap_err();
    assert!(matches!(e, SendError::Permanent(_)), "{e:?}");
}
