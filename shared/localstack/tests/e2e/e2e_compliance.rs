//! End to end over HTTP: STOP mid-funnel, one-click unsubscribe, quiet
//! hours, and a restart in the middle of a funnel.

use crate::common::*;
use myx_localstack::StackOptions;
use serde_json::{json, Value};

const START: &str = "2026-12-10T17:00:00Z";
const END: &str = "2026-12-10T18:00:00Z";

#[tokio::test]
async fn stop_mid_funnel_cancels_pending_sms_but_not_email() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    s.enroll(&event, "ada@example.com", Some("+14155550123"))
        .await;
    s.advance_to("2026-12-02T00:00:00Z").await;
    let r = s
        .post(
            "/v1/dev/sms/inbound",
            json!({"from": "+14155550123", "body": "  stop "}),
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "opted_out");
    s.advance_to("2026-12-11T00:00:00Z").await;
    let outbox = s.outbox().await;
    let sms: Vec<_> = sends_to(&outbox, "+14155550123")
        .into_iter()
        .map(|(s, _, _)| s)
        .collect();
    assert_eq!(sms, vec!["welcome"], "only the SMS before STOP");
    let email = sends_to(&outbox, "ada@example.com");
    assert!(
        email.iter().any(|(s, _, _)| s == "reminder-1h"),
        "email continues"
    );

    // HELP replies; START resubscribes for what is still ahead.
    let r = s
        .post(
            "/v1/dev/sms/inbound",
            json!({"from": "+14155550123", "body": "help"}),
        )
        .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["result"], "help");
    assert!(v["reply"].as_str().unwrap().contains("STOP"));
    let r = s
        .post(
            "/v1/dev/sms/inbound",
            json!({"from": "+14155550123", "body": "START"}),
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "opted_in");
}

#[tokio::test]
async fn one_click_unsubscribe_suppresses_email() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    s.enroll(&event, "ada@example.com", None).await;
    s.advance_to("2026-12-01T15:00:05Z").await;
    let outbox = s.outbox().await;
    let link = outbox[0]["headers"]["List-Unsubscribe"]
        .as_str()
        .unwrap()
        .trim_matches(['<', '>'])
        .to_string();
    let path = link
        .strip_prefix(&s.base)
        .expect("link on this server")
        .to_string();

    // GET shows a confirmation page and changes nothing.
    let r = s.client.get(s.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("<form method=\"post\""));
    // A tampered token is refused.
    let tampered = format!("{}x", &path);
    let r = s
        .client
        .post(s.url(&tampered))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // RFC 8058 one-click POST.
    let r = s
        .client
        .post(s.url(&path))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    s.advance_to("2026-12-11T00:00:00Z").await;
    assert_eq!(
        sends_to(&s.outbox().await, "ada@example.com").len(),
        1,
        "nothing after unsubscribing"
    );
}

#[tokio::test]
async fn sms_in_quiet_hours_waits_for_the_morning() {
    // 23:30 in London: the welcome SMS waits until 09:00 local; email goes now.
    let s = TestServer::start("2026-12-01T23:30:00Z").await;
    let event = s.webinar_event(START, END).await;
    let r = s
        .post(
            "/v1/enrollments",
            json!({"email": "night@example.com", "firstName": "N", "lastName": "O", "eventId": event,
                   "phone": "+447911123456", "smsConsent": true, "timezone": "Europe/London"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    s.advance_to("2026-12-02T12:00:00Z").await;
    let outbox = s.outbox().await;
    let sms = sends_to(&outbox, "+447911123456");
    assert_eq!(
        sms[0],
        (
            "welcome".into(),
            "sms".into(),
            "2026-12-02T09:00:00Z".into()
        )
    );
    let email = sends_to(&outbox, "night@example.com");
    // A new enrollment's first sends are queued a moment after it (see
    // scheduling::FRESH_QUEUE_DELAY_SECONDS).
    assert_eq!(email[0].2, "2026-12-01T23:30:02Z");
}

#[tokio::test]
async fn a_restart_mid_funnel_loses_nothing_and_sends_nothing_twice() {
    let dir = std::env::temp_dir().join(format!("myx-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let options = |start: &str| StackOptions {
        data_dir: Some(dir.clone()),
        public_url: String::new(),
        virtual_start: Some(start.parse().unwrap()),
        admin_key: ADMIN_KEY.into(),
        rate_limit_per_minute: None,
        smtp_relay: None,
    };
    let first = TestServer::start_with(options("2026-12-01T15:00:00Z")).await;
    let event = first.webinar_event(START, END).await;
    first.enroll(&event, "ada@example.com", None).await;
    first.advance_to("2026-12-06T00:00:00Z").await;
    let before = sends_to(&first.outbox().await, "ada@example.com");
    assert_eq!(before.len(), 3);
    drop(first);

    // Same data folder, clock resumed where it stopped.
    let second = TestServer::start_with(options("2026-12-06T00:00:00Z")).await;
    second.advance_to("2026-12-11T00:00:00Z").await;
    let after = sends_to(&second.outbox().await, "ada@example.com");
    let names: Vec<&str> = after.iter().map(|(s, _, _)| s.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "welcome",
            "nurture-story",
            "nurture-mistakes",
            "nurture-case-study",
            "nurture-nudge",
            "day-before",
            "reminder-24h",
            "reminder-1h"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn each_email_is_also_a_complete_eml_file_with_its_compliance_headers() {
    let data = tempfile::tempdir().unwrap();
    let s = TestServer::start_with(StackOptions {
        data_dir: Some(data.path().to_path_buf()),
        public_url: String::new(),
        virtual_start: Some("2026-12-01T15:00:00Z".parse().unwrap()),
        admin_key: ADMIN_KEY.into(),
        rate_limit_per_minute: None,
        smtp_relay: None,
    })
    .await;
    let event = s.webinar_event(START, END).await;
    s.enroll(&event, "ada@example.com", None).await;
    // Advancing waits for the files, which the writer builds off the send path.
    s.advance_to("2026-12-03T18:00:00Z").await;
    let outbox = s.outbox().await;
    let emails: Vec<&Value> = outbox.iter().filter(|m| m["channel"] == "email").collect();
    assert_eq!(emails.len(), 2, "welcome and the first nurture: {outbox:?}");
    for m in emails {
        let path = m["emlPath"].as_str().expect("an .eml path");
        let eml = std::fs::read_to_string(path).unwrap();
        let (head, _) = eml.split_once("\r\n\r\n").expect("headers, then a body");
        let subject = m["subject"].as_str().unwrap();
        assert!(head.contains(&format!("Subject: {subject}")), "{head}");
        assert!(head.contains("To: ada@example.com"), "{head}");
        assert!(
            head.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{head}"
        );
        assert!(eml.contains("multipart/alternative"), "{head}");
        assert!(eml.contains("Content-Type: text/plain"));
        assert!(eml.contains("Content-Type: text/html"));
    }
    // The welcome carries the calendar invitation.
    let welcome = outbox
        .iter()
        .find(|m| m["step"] == "welcome" && m["channel"] == "email")
        .unwrap();
    let eml = std::fs::read_to_string(welcome["emlPath"].as_str().unwrap()).unwrap();
    assert!(eml.contains("text/calendar"), "{eml}");
}
