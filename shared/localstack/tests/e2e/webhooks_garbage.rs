//! Every webhook route (Twilio, Resend, Zoom, SES through SNS) answers
//! garbage with a 4xx and changes nothing: wrong content type 415, over
//! 64 KiB (SNS: 512 KiB) 413, malformed body 400, unknown event type or
//! status 422, missing / wrong / expired signature 401 / 403 (SNS: also a
//! wrong topic or a certificate URL off the allow-list, never fetched).
//! Never a 5xx, never a panic.

use crate::provider_stack::sns::*;
use crate::provider_stack::*;
use myx_localstack::{ExtraAdapters, ProviderSettings};
use myx_providers::sns::InMemorySnsFetch;
use myx_providers::svix::SvixSecret;
use myx_providers::zoom::ZoomWebhookSecret;
use serde_json::{json, Value};
use std::sync::Arc;

const ROUTES: [&str; 4] = [
    "/v1/webhooks/twilio/status",
    "/v1/webhooks/twilio/inbound",
    "/v1/webhooks/resend",
    "/v1/webhooks/zoom",
];

async fn start() -> ProviderServer {
    start_sns().await.0
}

/// With the SES webhook too: the fixture topic and certificate (in memory).
async fn start_sns() -> (ProviderServer, Arc<InMemorySnsFetch>, Fixture) {
    let fx = fixture();
    let fetch = fx.fetch();
    let topic = fx.topic_arn.clone();
    let s = ProviderServer::start_with(
        "2026-12-01T15:00:00Z",
        move |_| ProviderSettings {
            twilio_auth_token: Some(TWILIO_TOKEN.into()),
            resend_webhook_secret: Some(SvixSecret::new(RESEND_SECRET).unwrap()),
            zoom_webhook_secret: ZoomWebhookSecret::new(ZOOM_SECRET),
            ses_events_topic_arns: vec![topic],
            ..ProviderSettings::default()
        },
        ExtraAdapters {
            sns_fetch: Some(fetch.clone()),
            ..ExtraAdapters::default()
        },
    )
    .await;
    (s, fetch, fx)
}

async fn status_of(
    s: &ProviderServer,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> u16 {
    let mut r = s.client.post(s.url(path)).body(body);
    if let Some(ct) = content_type {
        r = r.header("content-type", ct);
    }
    r.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn wrong_content_types_are_415() {
    let s = start().await;
    for path in ROUTES {
        let wrong = if path.contains("twilio") {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        assert_eq!(
            status_of(&s, path, Some(wrong), b"{}".to_vec()).await,
            415,
            "{path}"
        );
        assert_eq!(
            status_of(&s, path, None, b"a=b".to_vec()).await,
            415,
            "{path}"
        );
        assert_eq!(
            status_of(&s, path, Some("text/plain"), b"x".to_vec()).await,
            415,
            "{path}"
        );
    }
}

#[tokio::test]
async fn huge_bodies_are_413() {
    let s = start().await;
    let huge = vec![b'a'; 70 * 1024];
    for (path, ct) in [
        (ROUTES[0], "application/x-www-form-urlencoded"),
        (ROUTES[1], "application/x-www-form-urlencoded"),
        (ROUTES[2], "application/json"),
        (ROUTES[3], "application/json"),
    ] {
        assert_eq!(
            status_of(&s, path, Some(ct), huge.clone()).await,
            413,
            "{path}"
        );
    }
}

#[tokio::test]
async fn twilio_garbage_is_refused_before_anything_changes() {
    let s = start().await;
    let form = "application/x-www-form-urlencoded";
    // Not a form (raw bytes, escapes to invalid UTF-8): 400.
    for body in [vec![0xff, 0xfe, 0x00], b"Body=%FF%FE".to_vec()] {
        for path in &ROUTES[..2] {
            assert_eq!(
                status_of(&s, path, Some(form), body.clone()).await,
                400,
                "{path}"
            );
        }
    }
    // Well-formed but unsigned: 403.
    assert_eq!(
        status_of(
            &s,
            ROUTES[0],
            Some(form),
            b"MessageSid=SM1&MessageStatus=delivered".to_vec()
        )
        .await,
        403
    );
    // Signed, but an unknown status: 422; no MessageSid: 400.
    let r = s
        .post_twilio(
            ROUTES[0],
            &[("MessageSid", "SM1"), ("MessageStatus", "teleported")],
            Some(TWILIO_TOKEN),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = s
        .post_twilio(
            ROUTES[0],
            &[("MessageStatus", "delivered")],
            Some(TWILIO_TOKEN),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = s
        .post_twilio(
            ROUTES[1],
            &[("MessageSid", "SM2"), ("Body", "STOP")],
            Some(TWILIO_TOKEN),
        )
        .await;
    assert_eq!(r.status(), 400, "inbound without From");
    // Signed over another path: 403.
    let owned = vec![
        ("MessageSid".to_string(), "SM1".to_string()),
        ("MessageStatus".to_string(), "delivered".to_string()),
    ];
    let sig = myx_providers::twilio::signature::compute(
        TWILIO_TOKEN,
        &s.url(ROUTES[1]),
        &owned,
        myx_providers::twilio::signature::Algorithm::Sha1,
    );
    let r = s
        .client
        .post(s.url(ROUTES[0]))
        .header("X-Twilio-Signature", sig)
        .form(&owned)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn resend_garbage_is_refused_before_anything_changes() {
    let s = start().await;
    let json_ct = Some("application/json");
    // No Svix headers: 401.
    assert_eq!(status_of(&s, ROUTES[2], json_ct, b"{}".to_vec()).await, 401);
    // A wrong signature: 403.
    let r = s
        .client
        .post(s.url(ROUTES[2]))
        .header("content-type", "application/json")
        .header("svix-id", "msg_1")
        .header(
            "svix-timestamp",
            s.stack.engine.clock.now().as_second().to_string(),
        )
        .header(
            "svix-signature",
            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .body(r#"{"type":"email.delivered","data":{"email_id":"x"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Signed with another secret: 403.
    let r = s
        .post_resend(
            "msg_2",
            &json!({"type": "email.delivered", "data": {"email_id": "x"}}),
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        )
        .await;
    assert_eq!(r.status(), 403);
    // Expired: signed ten minutes ago by the virtual clock.
    let body = br#"{"type":"email.delivered","data":{"email_id":"x"}}"#;
    let old = s.stack.engine.clock.now().as_second() - 600;
    let sig = SvixSecret::new(RESEND_SECRET)
        .unwrap()
        .sign("msg_3", old, body);
    let r = s
        .client
        .post(s.url(ROUTES[2]))
        .header("content-type", "application/json")
        .header("svix-id", "msg_3")
        .header("svix-timestamp", old.to_string())
        .header("svix-signature", sig)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Signed but not JSON / not an event: 400; an unknown type: 422.
    let sign_raw = |id: &str, raw: &[u8]| {
        let now = s.stack.engine.clock.now().as_second();
        (
            now,
            SvixSecret::new(RESEND_SECRET).unwrap().sign(id, now, raw),
        )
    };
    for (id, raw, want) in [
        ("msg_4", &b"not json"[..], 400),
        ("msg_5", &b"[1,2]"[..], 400),
        (
            "msg_6",
            &br#"{"type":"email.delivered","data":{}}"#[..],
            400,
        ),
        (
            "msg_7",
            &br#"{"type":"email.teleported","data":{"email_id":"x"}}"#[..],
            422,
        ),
    ] {
        let (ts, sig) = sign_raw(id, raw);
        let r = s
            .client
            .post(s.url(ROUTES[2]))
            .header("content-type", "application/json")
            .header("svix-id", id)
            .header("svix-timestamp", ts.to_string())
            .header("svix-signature", sig)
            .body(raw.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), want, "{id}");
    }
}

/// A problem+json answer with `status` whose detail mentions `why`.
async fn assert_refused(r: reqwest::Response, status: u16, why: &str) {
    assert_eq!(r.status().as_u16(), status);
    let problem: Value = r.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(why), "{why:?} not in {detail:?}");
}

#[tokio::test]
async fn ses_takes_sns_text_plain_or_json_and_nothing_else() {
    let s = start().await;
    for ct in [
        Some("application/x-www-form-urlencoded"),
        Some("application/xml"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        assert_eq!(
            status_of(&s, SES_PATH, ct, b"{}".to_vec()).await,
            415,
            "{ct:?}"
        );
    }
    // Both accepted types get as far as parsing (`{}` has no Type: 400).
    for ct in [SNS_CONTENT_TYPE, "text/plain", "application/json"] {
        assert_eq!(
            status_of(&s, SES_PATH, Some(ct), b"{}".to_vec()).await,
            400,
            "{ct}"
        );
    }
}

#[tokio::test]
async fn ses_bodies_over_512_kib_are_413() {
    let s = start().await;
    let huge = vec![b'a'; 600 * 1024];
    assert_eq!(
        status_of(&s, SES_PATH, Some(SNS_CONTENT_TYPE), huge).await,
        413
    );
    // SNS messages reach 256 KiB: under the limit, garbage is only malformed.
    let big = vec![b'a'; 300 * 1024];
    assert_eq!(
        status_of(&s, SES_PATH, Some(SNS_CONTENT_TYPE), big).await,
        400
    );
}

#[tokio::test]
async fn ses_garbage_is_refused_before_anything_changes() {
    let (s, fetch, fx) = start_sns().await;
    let raw = |body: &[u8]| body.to_vec();
    for (body, want) in [
        (raw(b"not json"), 400),
        (raw(b"[1,2]"), 400),
        (raw(b"{}"), 400),
        (raw(br#"{"Type": 7}"#), 400),
        (raw(br#"{"Type":"Teleport","MessageId":"m"}"#), 422),
        // Unsigned (e.g. raw message delivery): 401.
        (
            raw(br#"{"Type":"Notification","MessageId":"m","TopicArn":"t","Message":"{}","Timestamp":"2026-12-01T15:00:00Z"}"#),
            401,
        ),
    ] {
        assert_eq!(
            status_of(&s, SES_PATH, Some(SNS_CONTENT_TYPE), body.clone()).await,
            want,
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    let now = s.stack.engine.clock.now().to_string();
    let delivered = ses_event("Delivery", "0100-x-000000", json!({}));
    let good = fx.notification("sns-g-1", &delivered, &now);

    // Forged: the signature no longer covers the Message.
    let mut forged = good.clone();
    forged["Message"] = json!(ses_event(
        "Bounce",
        "0100-x-000000",
        json!({"bounceType": "Permanent"})
    )
    .to_string());
    assert_refused(s.post_sns(&forged).await, 403, "signature does not match").await;

    // Signed, but from another topic.
    let mut other_topic = good.as_object().unwrap().clone();
    other_topic.insert(
        "TopicArn".into(),
        json!("arn:aws:sns:us-east-1:999999999999:not-ours"),
    );
    fx.sign(&mut other_topic);
    assert_refused(s.post_sns(&Value::Object(other_topic)).await, 403, "topic").await;

    // Certificate URLs off the allow-list: refused, never fetched.
    let fetched = fetch.certificate_fetches();
    let cert_path = fx
        .cert_url
        .trim_start_matches("https://sns.us-east-1.amazonaws.com");
    for url in [
        format!("http://sns.us-east-1.amazonaws.com{cert_path}"),
        format!("https://evil.example{cert_path}"),
        format!("https://sns.us-east-1.amazonaws.com.evil.example{cert_path}"),
    ] {
        let mut m = good.as_object().unwrap().clone();
        m.insert("SigningCertURL".into(), json!(url));
        assert_refused(s.post_sns(&Value::Object(m)).await, 403, "SigningCertURL").await;
    }
    assert_eq!(fetch.certificate_fetches(), fetched);

    // Signed and from our topic, but not an SES event (400) or an event
    // type SES does not publish (422).
    let not_ses = fx.notification("sns-g-2", &json!("hello"), &now);
    assert_eq!(s.post_sns(&not_ses).await.status(), 400);
    let mut text = good.as_object().unwrap().clone();
    text.insert("Message".into(), json!("plain text, not JSON"));
    fx.sign(&mut text);
    assert_eq!(s.post_sns(&Value::Object(text)).await.status(), 400);
    let teleport = fx.notification(
        "sns-g-3",
        &ses_event("Teleport", "0100-x-000000", json!({})),
        &now,
    );
    assert_eq!(s.post_sns(&teleport).await.status(), 422);

    // Older than the dedup window: a replay we could not tell apart.
    let old = fx.notification("sns-g-4", &delivered, "2026-11-20T15:00:00Z");
    assert_refused(s.post_sns(&old).await, 403, "too old").await;

    // The message type header must agree with the body.
    let r = s
        .client
        .post(s.url(SES_PATH))
        .header("content-type", SNS_CONTENT_TYPE)
        .header("x-amz-sns-message-type", "SubscriptionConfirmation")
        .body(serde_json::to_vec(&good).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(fetch.confirmed().is_empty(), "nothing was confirmed");

    // The good one is fine (its email is not ours).
    let r = s.post_sns(&good).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn random_bytes_never_get_a_5xx() {
    let s = start().await;
    // A small deterministic generator: the same garbage every run.
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let types = [
        None,
        Some("application/json"),
        Some("application/x-www-form-urlencoded"),
        Some("application/x-www-form-urlencoded; charset=utf-8"),
        Some("multipart/form-data; boundary=x"),
        Some("\u{1}garbage"),
        Some(SNS_CONTENT_TYPE),
    ];
    let routes = [ROUTES[0], ROUTES[1], ROUTES[2], ROUTES[3], SES_PATH];
    for round in 0..80 {
        let len = (next() % 300) as usize;
        let body: Vec<u8> = (0..len).map(|_| (next() % 256) as u8).collect();
        let path = routes[round % routes.len()];
        let ct = types[(next() % types.len() as u64) as usize];
        let mut r = s.client.post(s.url(path)).body(body);
        if let Some(ct) = ct {
            if let Ok(v) = reqwest::header::HeaderValue::from_str(ct) {
                r = r.header("content-type", v);
            }
        }
        let status = r.send().await.unwrap().status();
        assert!(status.is_client_error(), "{path} {ct:?}: {status}");
    }
}

#[tokio::test]
async fn zoom_garbage_is_refused_before_anything_changes() {
    let s = start().await;
    let zoom = ROUTES[3];
    let json_ct = Some("application/json");
    // An event a forged meeting.ended would complete.
    let event = s.zoom_event("zoom_meeting", json!(ZOOM_MEETING)).await;
    let end = serde_json::to_vec(&json!({
        "event": "meeting.ended", "event_ts": 1,
        "payload": {"object": {"uuid": "u==", "id": ZOOM_MEETING, "end_time": END}}
    }))
    .unwrap();
    let now = s.stack.engine.clock.now().as_second();
    let post = |ts: String, sig: String, body: Vec<u8>| {
        s.client
            .post(s.url(zoom))
            .header("content-type", "application/json")
            .header("x-zm-request-timestamp", ts)
            .header("x-zm-signature", sig)
            .body(body)
            .send()
    };
    // No signature headers: 401.
    assert_eq!(status_of(&s, zoom, json_ct, end.clone()).await, 401);
    // A wrong signature, another secret, a ten-minute-old or future timestamp: 403.
    let r = post(
        now.to_string(),
        format!("v0={}", "0".repeat(64)),
        end.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 403);
    let r = s.post_zoom_raw(&end, now, "another-secret-token").await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        s.post_zoom_raw(&end, now - 600, ZOOM_SECRET).await.status(),
        403
    );
    assert_eq!(
        s.post_zoom_raw(&end, now + 600, ZOOM_SECRET).await.status(),
        403
    );
    // Signed for another body (a replay with the body swapped): 403.
    let other = ZoomWebhookSecret::new(ZOOM_SECRET)
        .unwrap()
        .sign(now, b"{}");
    let r = post(now.to_string(), other, end.clone()).await.unwrap();
    assert_eq!(r.status(), 403);
    // A garbled timestamp: 403.
    let r = post("soon".into(), "v0=00".into(), end.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Signed but not JSON / not an event: 400; an unknown type: 422.
    for (raw, want) in [
        (&b"not json"[..], 400),
        (b"[1,2]", 400),
        (
            br#"{"event":"meeting.ended","payload":{"object":{"id":"12ab"}}}"#,
            400,
        ),
        (
            br#"{"event":"meeting.ended","payload":{"object":{"id":1.5}}}"#,
            400,
        ),
        (br#"{"event":"endpoint.url_validation","payload":{}}"#, 400),
        (br#"{"event":"meeting.teleported","payload":{}}"#, 422),
    ] {
        let r = s.post_zoom_raw(raw, now, ZOOM_SECRET).await;
        assert_eq!(
            r.status().as_u16(),
            want,
            "{}",
            String::from_utf8_lossy(raw)
        );
    }
    // Nothing changed: the event is still scheduled, and the same
    // meeting.ended, properly signed, is not a duplicate of any of these.
    let r = s
        .client
        .get(s.url(&format!("/v1/events/{event}")))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "scheduled");
    s.advance_to("2026-12-10T18:00:00Z").await;
    let now = s.stack.engine.clock.now().as_second();
    let r = s.post_zoom_raw(&end, now, ZOOM_SECRET).await;
    assert_eq!(r.json::<Value>().await.unwrap()["result"], "processed");
}

#[tokio::test]
async fn without_configured_secrets_webhooks_are_unavailable_not_open() {
    let s = ProviderServer::start("2026-12-01T15:00:00Z", |_| ProviderSettings::default()).await;
    let r = s
        .post_twilio(
            ROUTES[0],
            &[("MessageSid", "SM1"), ("MessageStatus", "delivered")],
            Some("any"),
        )
        .await;
    assert_eq!(r.status(), 503);
    let r = s
        .post_resend(
            "m",
            &json!({"type": "email.delivered", "data": {"email_id": "x"}}),
            RESEND_SECRET,
        )
        .await;
    assert_eq!(r.status(), 503);
    let fx = fixture();
    let body: Value = serde_json::from_str(&fx.case("notification v2").body).unwrap();
    assert_eq!(s.post_sns(&body).await.status(), 503);
    let r = s
        .post_zoom(
            &json!({"payload": {"plainToken": "x"}, "event": "endpoint.url_validation"}),
            ZOOM_SECRET,
        )
        .await;
    assert_eq!(r.status(), 503);
}
