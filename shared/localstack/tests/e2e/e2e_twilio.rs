//! End to end over HTTP with Twilio configured: SMS go to a stubbed Twilio
//! API with a status callback; a signed status callback marks the message
//! delivered; a signed STOP cancels the contact's pending SMS while an
//! unsigned or forged one gets 403 and changes nothing; HELP gets TwiML.

use crate::provider_stack::*;
use myx_core::Channel;
use myx_engine::keys;
use myx_localstack::ProviderSettings;
use myx_providers::twilio::TwilioConfig;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

const PHONE: &str = "+14155550123";
const MESSAGES: &str = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json";

async fn twilio_stub() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(NumberedIds::twilio())
        .mount(&server)
        .await;
    server
}

async fn start(twilio: &MockServer) -> ProviderServer {
    let api_base = twilio.uri();
    ProviderServer::start("2026-12-01T15:00:00Z", move |_public_url| {
        let mut config = TwilioConfig::new(TWILIO_SID, TWILIO_TOKEN);
        config.api_base = api_base;
        config.from = Some("+15005550006".into());
        ProviderSettings {
            twilio: Some(config),
            twilio_auth_token: Some(TWILIO_TOKEN.into()),
            ..ProviderSettings::default()
        }
    })
    .await
}

fn suppression_key() -> myx_engine::Key {
    keys::suppression("dev", Channel::Sms, &keys::sha256_hex(PHONE))
}

#[tokio::test]
async fn sms_go_to_twilio_and_signed_webhooks_drive_status_and_stop() {
    let twilio = twilio_stub().await;
    let s = start(&twilio).await;
    let event = s.webinar_event().await;
    let contact = s.enroll(&event, "ada@example.com", Some(PHONE)).await;
    s.advance_to("2026-12-02T00:00:00Z").await;

    // The welcome SMS went to Twilio, with the status callback; not to the outbox.
    let requests = twilio.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "one SMS so far");
    let form = form_of(&requests[0]);
    assert_eq!(field(&form, "To"), Some(PHONE));
    assert_eq!(field(&form, "From"), Some("+15005550006"));
    // The callback URL carries the send's reference (Twilio signs it).
    let callback = field(&form, "StatusCallback").unwrap().to_string();
    let status_path = callback
        .strip_prefix(&s.url(""))
        .unwrap_or_else(|| panic!("{callback} is ours"))
        .to_string();
    assert!(
        status_path.starts_with("/v1/webhooks/twilio/status?send="),
        "{status_path}"
    );
    assert!(field(&form, "Body").unwrap().contains("Launch Webinar"));
    let outbox = s.outbox().await;
    assert!(outbox.iter().all(|m| m["channel"] == "email"));
    assert!(!outbox.is_empty(), "email still goes to the outbox");

    // A signed status callback marks the message delivered, once.
    let sid = twilio_sid(0);
    let delivered = [
        ("MessageSid", sid.as_str()),
        ("MessageStatus", "delivered"),
        ("AccountSid", TWILIO_SID),
    ];
    let forged = s
        .post_twilio(&status_path, &delivered, Some("not-the-token"))
        .await;
    assert_eq!(forged.status(), 403);
    let state_key = keys::step_state("dev", &event, &contact, "welcome", Channel::Sms);
    let state = s.item(&state_key).await.unwrap();
    assert_eq!(state.data["deliveryStatus"], "sent", "forged: unchanged");

    let r = s
        .post_twilio(&status_path, &delivered, Some(TWILIO_TOKEN))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "processed");
    let state = s.item(&state_key).await.unwrap();
    assert_eq!(state.data["deliveryStatus"], "delivered");
    assert_eq!(state.data["status"], "sent");
    assert!(state.data["deliveredAt"].is_string());
    // Found by the reference: the send has no index entry by Twilio's id,
    // so a callback without the reference finds nothing.
    let indexed = s
        .stack
        .engine
        .store
        .query_gsi1(
            &keys::message_by_provider_id("twilio", &sid).pk,
            &myx_engine::QueryOptions::prefix("MSG"),
        )
        .await
        .unwrap();
    assert!(indexed.items.is_empty(), "{:?}", indexed.items);
    let read = [("MessageSid", sid.as_str()), ("MessageStatus", "read")];
    let bare = s
        .post_twilio("/v1/webhooks/twilio/status", &read, Some(TWILIO_TOKEN))
        .await;
    assert_eq!(
        bare.json::<Value>().await.unwrap()["result"],
        "unknown_message"
    );

    let again = s
        .post_twilio(&status_path, &delivered, Some(TWILIO_TOKEN))
        .await;
    assert_eq!(again.json::<Value>().await.unwrap()["result"], "duplicate");
    // A late "sent" never moves it back.
    let late = s
        .post_twilio(
            &status_path,
            &[("MessageSid", sid.as_str()), ("MessageStatus", "sent")],
            Some(TWILIO_TOKEN),
        )
        .await;
    assert_eq!(late.json::<Value>().await.unwrap()["result"], "ignored");
    let unknown = s
        .post_twilio(
            &status_path,
            &[("MessageSid", "SMnot-ours"), ("MessageStatus", "delivered")],
            Some(TWILIO_TOKEN),
        )
        .await;
    assert_eq!(unknown.status(), 200);
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["result"],
        "unknown_message"
    );

    // STOP without a signature, or with a forged one: 403, nothing changes.
    let stop = [
        ("MessageSid", "SMinbound1"),
        ("From", PHONE),
        ("To", "+15005550006"),
        ("Body", "  Stop "),
    ];
    let r = s
        .post_twilio("/v1/webhooks/twilio/inbound", &stop, None)
        .await;
    assert_eq!(r.status(), 403);
    let r = s
        .post_twilio("/v1/webhooks/twilio/inbound", &stop, Some("forged-token"))
        .await;
    assert_eq!(r.status(), 403);
    assert!(s.item(&suppression_key()).await.is_none(), "not suppressed");

    // HELP: TwiML with the help text, and no SMS through the API.
    let r = s
        .post_twilio(
            "/v1/webhooks/twilio/inbound",
            &[("MessageSid", "SMhelp"), ("From", PHONE), ("Body", "help")],
            Some(TWILIO_TOKEN),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    let twiml = r.text().await.unwrap();
    assert!(twiml.contains("<Response><Message>"), "{twiml}");
    assert!(twiml.contains("Reply STOP to opt out"), "{twiml}");
    assert_eq!(twilio.received_requests().await.unwrap().len(), 1);

    // The signed STOP suppresses SMS and cancels the pending reminders.
    let r = s
        .post_twilio("/v1/webhooks/twilio/inbound", &stop, Some(TWILIO_TOKEN))
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().ends_with("<Response/>"));
    assert!(s.item(&suppression_key()).await.is_some(), "suppressed");
    s.advance_to("2026-12-11T00:00:00Z").await;
    let requests = twilio.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "no SMS after STOP");
    let emails: Vec<String> = s
        .outbox()
        .await
        .iter()
        .filter_map(|m| m["step"].as_str().map(str::to_string))
        .collect();
    assert!(
        emails.iter().any(|s| s == "reminder-1h"),
        "email goes on: {emails:?}"
    );
}

#[tokio::test]
async fn an_undelivered_sms_fails_its_step_with_twilios_code() {
    let twilio = twilio_stub().await;
    let s = start(&twilio).await;
    let event = s.webinar_event().await;
    let contact = s.enroll(&event, "ada@example.com", Some(PHONE)).await;
    s.advance_to("2026-12-02T00:00:00Z").await;
    let sid = twilio_sid(0);
    let requests = twilio.received_requests().await.unwrap();
    let callback = field(&form_of(&requests[0]), "StatusCallback")
        .unwrap()
        .to_string();
    let r = s
        .post_twilio(
            callback.strip_prefix(&s.url("")).unwrap(),
            &[
                ("MessageSid", sid.as_str()),
                ("MessageStatus", "undelivered"),
                ("ErrorCode", "30003"),
            ],
            Some(TWILIO_TOKEN),
        )
        .await;
    assert_eq!(r.status(), 200);
    let state = s
        .item(&keys::step_state(
            "dev",
            &event,
            &contact,
            "welcome",
            Channel::Sms,
        ))
        .await
        .unwrap();
    assert_eq!(state.data["status"], "failed");
    assert_eq!(state.data["deliveryStatus"], "undelivered");
    assert!(state.data["error"].as_str().unwrap().contains("30003"));
}

#[tokio::test]
async fn inbound_sms_can_name_the_tenant_in_the_signed_url() {
    let twilio = twilio_stub().await;
    let s = start(&twilio).await;
    let event = s.webinar_event().await;
    s.enroll(&event, "ada@example.com", Some(PHONE)).await;
    // A tenant with no such contact: nothing happens there.
    let r = s
        .post_twilio(
            "/v1/webhooks/twilio/inbound?tenant=other",
            &[("MessageSid", "SMq1"), ("From", PHONE), ("Body", "STOP")],
            Some(TWILIO_TOKEN),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(s.item(&suppression_key()).await.is_none());
    // The query string is signed: changing it breaks the signature.
    let mut request = s
        .client
        .post(s.url("/v1/webhooks/twilio/inbound?tenant=dev"))
        .form(&[("MessageSid", "SMq2"), ("From", PHONE), ("Body", "STOP")]);
    let signed_for_other = myx_providers::twilio::signature::compute(
        TWILIO_TOKEN,
        &s.url("/v1/webhooks/twilio/inbound?tenant=other"),
        &[
            ("MessageSid".into(), "SMq2".into()),
            ("From".into(), PHONE.into()),
            ("Body".into(), "STOP".into()),
        ],
        myx_providers::twilio::signature::Algorithm::Sha1,
    );
    request = request.header("X-Twilio-Signature", signed_for_other);
    assert_eq!(request.send().await.unwrap().status(), 403);
    let r = s
        .post_twilio(
            "/v1/webhooks/twilio/inbound?tenant=dev",
            &[("MessageSid", "SMq3"), ("From", PHONE), ("Body", "STOP")],
            Some(TWILIO_TOKEN),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(s.item(&suppression_key()).await.is_some());
}
