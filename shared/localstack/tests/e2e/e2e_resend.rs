//! End to end over HTTP with Resend configured: emails go to a stubbed
//! Resend API; signed (Svix) events update the messages: an open makes
//! `unless: {opened: ...}` skip the next step, a hard bounce suppresses the
//! address and its pending emails, a repeated event changes nothing.

use crate::provider_stack::*;
use myx_core::Channel;
use myx_engine::keys;
use myx_localstack::ProviderSettings;
use myx_providers::resend::ResendConfig;
use myx_providers::svix::SvixSecret;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

const EMAIL: &str = "ada@example.com";

async fn start() -> (MockServer, ProviderServer) {
    let resend = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/emails"))
        .respond_with(NumberedIds::resend())
        .mount(&resend)
        .await;
    let api_base = resend.uri();
    let s = ProviderServer::start("2026-12-01T15:00:00Z", move |_| ProviderSettings {
        resend: Some(ResendConfig::new("re_test").with_api_base(&api_base)),
        resend_webhook_secret: Some(SvixSecret::new(RESEND_SECRET).unwrap()),
        ..ProviderSettings::default()
    })
    .await;
    (resend, s)
}

/// (step, Resend id) of every email Resend got, in order.
async fn sent(resend: &MockServer) -> Vec<(String, String)> {
    resend
        .received_requests()
        .await
        .unwrap()
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            let step = body["tags"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == "step")
                .map(|t| t["value"].as_str().unwrap().to_string())
                .unwrap_or_default();
            (step, resend_id(n))
        })
        .collect()
}

fn event(kind: &str, email_id: &str) -> Value {
    json!({"type": kind, "created_at": "2026-12-07T18:00:00.000Z",
           "data": {"email_id": email_id, "to": [EMAIL], "subject": "x"}})
}

#[tokio::test]
async fn an_open_skips_the_unless_opened_step_and_a_hard_bounce_suppresses() {
    let (resend, s) = start().await;
    let ev = s.webinar_event().await;
    let contact = s.enroll(&ev, EMAIL, None).await;
    s.advance_to("2026-12-07T18:00:00Z").await;
    let so_far = sent(&resend).await;
    let case_study = so_far
        .iter()
        .find(|(step, _)| step == "nurture-case-study")
        .map(|(_, id)| id.clone())
        .expect("nurture-case-study went to Resend");
    assert!(s.outbox().await.is_empty(), "nothing in the outbox");

    // Opened: the step state gets openedAt; a replay is a duplicate.
    let opened = event("email.opened", &case_study);
    let r = s.post_resend("msg_open_1", &opened, RESEND_SECRET).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "processed");
    let r = s.post_resend("msg_open_1", &opened, RESEND_SECRET).await;
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "duplicate");
    let state = s
        .item(&keys::step_state(
            "dev",
            &ev,
            &contact,
            "nurture-case-study",
            Channel::Email,
        ))
        .await
        .unwrap();
    assert_eq!(state.data["openedAt"], "2026-12-07T18:00:00Z");

    // Delivered, then a hard bounce on the day-before email.
    s.advance_to("2026-12-09T15:00:00Z").await;
    let steps: Vec<String> = sent(&resend).await.into_iter().map(|(s, _)| s).collect();
    assert!(
        !steps.contains(&"nurture-nudge".to_string()),
        "unless opened: skipped ({steps:?})"
    );
    let day_before = sent(&resend)
        .await
        .into_iter()
        .find(|(step, _)| step == "day-before")
        .map(|(_, id)| id)
        .expect("day-before went to Resend");
    let r = s
        .post_resend(
            "msg_delivered",
            &event("email.delivered", &day_before),
            RESEND_SECRET,
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "processed");
    let mut bounce = event("email.bounced", &day_before);
    bounce["data"]["bounce"] = json!({"type": "Permanent", "subType": "General"});
    let r = s.post_resend("msg_bounce", &bounce, RESEND_SECRET).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "processed");
    let suppression = keys::suppression(
        "dev",
        Channel::Email,
        &keys::sha256_hex(&keys::normalize_email(EMAIL)),
    );
    assert!(s.item(&suppression).await.is_some(), "address suppressed");
    let state = s
        .item(&keys::step_state(
            "dev",
            &ev,
            &contact,
            "day-before",
            Channel::Email,
        ))
        .await
        .unwrap();
    assert_eq!(state.data["status"], "failed");
    assert_eq!(state.data["deliveryStatus"], "bounced");

    let before = sent(&resend).await.len();
    s.advance_to("2026-12-11T00:00:00Z").await;
    let after: Vec<String> = sent(&resend).await.into_iter().map(|(s, _)| s).collect();
    assert_eq!(after.len(), before, "nothing after the bounce: {after:?}");
}

#[tokio::test]
async fn unknown_emails_and_ignored_types_are_acknowledged() {
    let (_resend, s) = start().await;
    let r = s
        .post_resend(
            "m1",
            &event("email.delivered", "re_not_ours"),
            RESEND_SECRET,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["result"],
        "unknown_message"
    );
    let r = s
        .post_resend(
            "m2",
            &json!({"type": "contact.created", "data": {}}),
            RESEND_SECRET,
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "ignored");
}
