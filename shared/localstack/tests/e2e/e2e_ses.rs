//! End to end over HTTP with emails recorded as sent by SES and SES events
//! arriving as signed SNS messages on /v1/webhooks/ses (text/plain JSON,
//! as SNS posts): the subscription is confirmed (in-memory fetch), a hard
//! bounce suppresses the address and cancels its pending emails, a
//! complaint suppresses, an open sets openedAt and skips the
//! `unless: {opened: ...}` step, a repeated MessageId changes nothing.
//! With SES down, email fails over to Resend, recorded as Resend's.

use crate::provider_stack::sns::*;
use crate::provider_stack::*;
use myx_core::Channel;
use myx_engine::{keys, QueryOptions};
use myx_localstack::{ExtraAdapters, ProviderSettings};
use myx_providers::resend::ResendConfig;
use myx_providers::sns::InMemorySnsFetch;
use serde_json::{json, Value};
use std::sync::Arc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

const EMAIL: &str = "ada@example.com";

async fn start() -> (Arc<StubSes>, Arc<InMemorySnsFetch>, Fixture, ProviderServer) {
    let fx = fixture();
    let ses = StubSes::new();
    let fetch = fx.fetch();
    let topic = fx.topic_arn.clone();
    let extra = ExtraAdapters {
        email: vec![(
            "ses".into(),
            ses.clone() as Arc<dyn myx_engine::EmailSender>,
        )],
        sns_fetch: Some(fetch.clone()),
        ..ExtraAdapters::default()
    };
    let s = ProviderServer::start_with(
        "2026-12-01T15:00:00Z",
        move |_| ProviderSettings {
            ses_events_topic_arns: vec![topic],
            ..ProviderSettings::default()
        },
        extra,
    )
    .await;
    (ses, fetch, fx, s)
}

fn now(s: &ProviderServer) -> String {
    s.stack.engine.clock.now().to_string()
}

async fn result(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["result"]
        .as_str()
        .unwrap()
        .to_string()
}

fn suppression() -> myx_engine::Key {
    keys::suppression(
        "dev",
        Channel::Email,
        &keys::sha256_hex(&keys::normalize_email(EMAIL)),
    )
}

#[tokio::test]
async fn a_subscription_confirmation_is_confirmed_and_an_unsubscribe_acknowledged() {
    let (_ses, fetch, fx, s) = start().await;
    for name in ["SubscriptionConfirmation v1", "SubscriptionConfirmation v2"] {
        let body: Value = serde_json::from_str(&fx.case(name).body).unwrap();
        assert_eq!(
            result(s.post_sns(&body).await).await,
            "subscribed",
            "{name}"
        );
        assert_eq!(
            fetch.confirmed().last().map(String::as_str),
            body["SubscribeURL"].as_str()
        );
    }
    let body: Value = serde_json::from_str(&fx.case("UnsubscribeConfirmation v2").body).unwrap();
    assert_eq!(result(s.post_sns(&body).await).await, "ignored");
    assert_eq!(
        fetch.confirmed().len(),
        2,
        "an unsubscribe is not confirmed"
    );
    // SNS unreachable: 503, so SNS sends the confirmation again.
    fetch.set_unavailable(true);
    let body: Value = serde_json::from_str(&fx.case("SubscriptionConfirmation v1").body).unwrap();
    assert_eq!(s.post_sns(&body).await.status(), 503);
}

#[tokio::test]
async fn a_hard_bounce_suppresses_and_cancels_pending_emails() {
    let (ses, _fetch, fx, s) = start().await;
    let ev = s.webinar_event().await;
    let contact = s.enroll(&ev, EMAIL, None).await;
    s.advance_to("2026-12-09T15:00:00Z").await;
    assert!(
        s.outbox().await.is_empty(),
        "email went to SES, not the outbox"
    );
    let day_before = ses.id_for("day-before");

    let delivered = ses.event(
        "Delivery",
        &day_before,
        json!({"timestamp": "2026-12-09T14:00:01.000Z", "recipients": [EMAIL]}),
    );
    let r = s
        .post_sns(&fx.notification("sns-delivery-1", &delivered, &now(&s)))
        .await;
    assert_eq!(result(r).await, "processed");

    // A tampered bounce (signature no longer matches) changes nothing.
    let bounce = ses.event(
        "Bounce",
        &day_before,
        json!({"bounceType": "Permanent", "bounceSubType": "General",
               "bouncedRecipients": [{"emailAddress": EMAIL, "status": "5.1.1"}],
               "timestamp": "2026-12-09T14:00:02.000Z"}),
    );
    let mut tampered = fx.notification("sns-bounce-1", &bounce, &now(&s));
    tampered["MessageId"] = json!("sns-bounce-other");
    assert_eq!(s.post_sns(&tampered).await.status(), 403);
    assert!(s.item(&suppression()).await.is_none());

    let signed = fx.notification("sns-bounce-1", &bounce, &now(&s));
    assert_eq!(result(s.post_sns(&signed).await).await, "processed");
    assert_eq!(result(s.post_sns(&signed).await).await, "duplicate");
    assert!(s.item(&suppression()).await.is_some(), "address suppressed");
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
    // The timeline says it was planned, went out, then bounced, once.
    let timeline = myx_engine::timeline::read(&s.stack.engine, "dev", &ev, &contact)
        .await
        .unwrap();
    let day_before: Vec<(String, Option<String>)> = timeline
        .iter()
        .filter(|e| e.step.as_deref() == Some("day-before") && e.channel == Some(Channel::Email))
        .map(|e| (format!("{:?}", e.kind), e.reason.clone()))
        .collect();
    assert_eq!(
        day_before,
        [
            ("Planned".to_string(), None),
            ("Sent".to_string(), Some("via ses".to_string())),
            ("Failed".to_string(), Some("hard bounce (ses)".to_string())),
        ],
        "{timeline:?}"
    );

    let before = ses.sent().len();
    s.advance_to("2026-12-11T00:00:00Z").await;
    let after: Vec<String> = ses.sent().into_iter().map(|(step, _)| step).collect();
    assert_eq!(after.len(), before, "nothing after the bounce: {after:?}");
}

#[tokio::test]
async fn a_complaint_suppresses_the_address() {
    let (ses, _fetch, fx, s) = start().await;
    let ev = s.webinar_event().await;
    s.enroll(&ev, EMAIL, None).await;
    s.advance_to("2026-12-01T16:00:00Z").await;
    let welcome = ses.id_for("welcome");
    let complaint = ses.event(
        "Complaint",
        &welcome,
        json!({"complainedRecipients": [{"emailAddress": EMAIL}],
               "complaintFeedbackType": "abuse", "timestamp": "2026-12-01T15:30:00.000Z"}),
    );
    let r = s
        .post_sns(&fx.notification("sns-complaint-1", &complaint, &now(&s)))
        .await;
    assert_eq!(result(r).await, "processed");
    assert!(s.item(&suppression()).await.is_some(), "address suppressed");
    let before = ses.sent().len();
    s.advance_to("2026-12-11T00:00:00Z").await;
    assert_eq!(ses.sent().len(), before, "no email after the complaint");
}

#[tokio::test]
async fn events_find_the_send_by_its_reference_and_only_if_it_names_the_email() {
    let (ses, _fetch, fx, s) = start().await;
    let ev = s.webinar_event().await;
    let contact = s.enroll(&ev, EMAIL, None).await;
    s.advance_to("2026-12-01T16:00:00Z").await;
    let welcome = ses.id_for("welcome");
    // SES carries the reference back, so the send has no index entry.
    let gsi = keys::message_by_provider_id("ses", &welcome);
    let indexed = s
        .stack
        .engine
        .store
        .query_gsi1(&gsi.pk, &QueryOptions::prefix(gsi.sk.clone()))
        .await
        .unwrap();
    assert!(indexed.items.is_empty(), "{:?}", indexed.items);
    let record = keys::step_state("dev", &ev, &contact, "welcome", Channel::Email);

    // A signed event whose reference names this send but whose message id
    // is another email's changes nothing.
    let mut mismatched = ses.event("Delivery", &welcome, json!({}));
    mismatched["mail"]["messageId"] = json!("0100018c-someone-elses-000000");
    let r = s
        .post_sns(&fx.notification("sns-ref-1", &mismatched, &now(&s)))
        .await;
    assert_eq!(result(r).await, "unknown_message");
    assert_eq!(
        s.item(&record).await.unwrap().data["deliveryStatus"],
        "sent"
    );

    // The real one is found by key.
    let delivered = ses.event(
        "Delivery",
        &welcome,
        json!({"timestamp": "2026-12-01T15:00:05.000Z", "recipients": [EMAIL]}),
    );
    let r = s
        .post_sns(&fx.notification("sns-ref-2", &delivered, &now(&s)))
        .await;
    assert_eq!(result(r).await, "processed");
    let item = s.item(&record).await.unwrap();
    assert_eq!(item.data["deliveryStatus"], "delivered");
    assert_eq!(item.data["deliveredAt"], "2026-12-01T15:00:05Z");
}

#[tokio::test]
async fn an_open_sets_opened_at_and_skips_the_unless_opened_step() {
    let (ses, _fetch, fx, s) = start().await;
    let ev = s.webinar_event().await;
    let contact = s.enroll(&ev, EMAIL, None).await;
    s.advance_to("2026-12-07T18:00:00Z").await;
    let case_study = ses.id_for("nurture-case-study");
    let open = ses.event(
        "Open",
        &case_study,
        json!({"ipAddress": "192.0.2.1", "timestamp": "2026-12-07T17:30:00.000Z",
               "userAgent": "Mozilla/5.0"}),
    );
    let r = s
        .post_sns(&fx.notification("sns-open-1", &open, &now(&s)))
        .await;
    assert_eq!(result(r).await, "processed");
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
    assert_eq!(state.data["openedAt"], "2026-12-07T17:30:00Z");
    s.advance_to("2026-12-09T15:00:00Z").await;
    let steps: Vec<String> = ses.sent().into_iter().map(|(step, _)| step).collect();
    assert!(steps.contains(&"day-before".to_string()), "{steps:?}");
    assert!(
        !steps.contains(&"nurture-nudge".to_string()),
        "unless opened: skipped ({steps:?})"
    );
}

/// `if: {delivered: step}` (here in place of the example's `unless:
/// {opened: ...}`): the nudge goes to the contact whose case study SES
/// reported delivered, and is skipped for the other.
#[tokio::test]
async fn a_delivery_feeds_the_if_delivered_condition() {
    let (ses, _fetch, fx, s) = start().await;
    let ev = s
        .webinar_event_edited(|yaml| {
            let edited = yaml.replace(
                "unless: { opened: nurture-case-study }",
                "if: { delivered: nurture-case-study }",
            );
            assert_ne!(edited, yaml, "the example funnel changed: edit the test");
            edited
        })
        .await;
    s.enroll(&ev, EMAIL, None).await;
    s.enroll(&ev, "grace@example.com", None).await;
    s.advance_to("2026-12-07T18:00:00Z").await;
    let case_studies: Vec<(String, String)> = ses
        .sent_to()
        .into_iter()
        .filter(|(step, _, _)| step == "nurture-case-study")
        .map(|(_, to, id)| (to, id))
        .collect();
    assert_eq!(case_studies.len(), 2, "both got the case study");
    let (_, delivered_to) = case_studies
        .iter()
        .find(|(to, _)| to == EMAIL)
        .cloned()
        .expect("the case study went to ada");
    let delivery = ses.event(
        "Delivery",
        &delivered_to,
        json!({"timestamp": "2026-12-07T17:31:00.000Z", "recipients": [EMAIL],
               "processingTimeMillis": 500, "smtpResponse": "250 ok"}),
    );
    let r = s
        .post_sns(&fx.notification("sns-delivery-1", &delivery, &now(&s)))
        .await;
    assert_eq!(result(r).await, "processed");
    s.advance_to("2026-12-09T15:00:00Z").await;
    let nudged: Vec<String> = ses
        .sent_to()
        .into_iter()
        .filter(|(step, _, _)| step == "nurture-nudge")
        .map(|(_, to, _)| to)
        .collect();
    assert_eq!(nudged, vec![EMAIL.to_string()], "only the delivered one");
}

#[tokio::test]
async fn unknown_emails_and_ignored_events_are_acknowledged() {
    let (_ses, _fetch, fx, s) = start().await;
    let delivered = ses_event("Delivery", "0100-not-ours-000000", json!({}));
    let r = s
        .post_sns(&fx.notification("sns-unknown-1", &delivered, &now(&s)))
        .await;
    assert_eq!(result(r).await, "unknown_message");
    let subscription = ses_event("Subscription", "0100-x-000000", json!({}));
    let r = s
        .post_sns(&fx.notification("sns-sub-1", &subscription, &now(&s)))
        .await;
    assert_eq!(result(r).await, "ignored");
    // Posted as application/json, it is read the same.
    let r = s
        .client
        .post(s.url(SES_PATH))
        .header("content-type", "application/json")
        .json(&fx.notification("sns-unknown-2", &delivered, &now(&s)))
        .send()
        .await
        .unwrap();
    assert_eq!(result(r).await, "unknown_message");
}

#[tokio::test]
async fn with_ses_down_email_fails_over_to_resend_and_records_it() {
    let resend = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/emails"))
        .respond_with(NumberedIds::resend())
        .mount(&resend)
        .await;
    let ses = StubSes::new();
    ses.set_down(true);
    let api_base = resend.uri();
    let extra = ExtraAdapters {
        email: vec![(
            "ses".into(),
            ses.clone() as Arc<dyn myx_engine::EmailSender>,
        )],
        ..ExtraAdapters::default()
    };
    let s = ProviderServer::start_with(
        "2026-12-01T15:00:00Z",
        move |_| ProviderSettings {
            resend: Some(ResendConfig::new("re_test").with_api_base(&api_base)),
            ..ProviderSettings::default()
        },
        extra,
    )
    .await;
    let ev = s.webinar_event().await;
    s.enroll(&ev, EMAIL, None).await;
    s.advance_to("2026-12-01T16:00:00Z").await;
    assert_eq!(ses.attempts(), 1, "SES was tried first");
    assert!(ses.sent().is_empty());
    assert_eq!(resend.received_requests().await.unwrap().len(), 1);
    let gsi = keys::message_by_provider_id("resend", &resend_id(0));
    let page = s
        .stack
        .engine
        .store
        .query_gsi1(&gsi.pk, &QueryOptions::prefix(gsi.sk.clone()))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1, "the message is Resend's");
    assert_eq!(page.items[0].data["provider"], "resend");
    assert_eq!(page.items[0].data["step"], "welcome");
}
