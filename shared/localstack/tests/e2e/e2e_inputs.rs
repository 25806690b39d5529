//! Every bad input gets its documented status, as RFC 7807 problems with
//! per-field details, and changes nothing.

use crate::common::*;
use myx_localstack::StackOptions;
use serde_json::{json, Value};

const START: &str = "2026-12-10T17:00:00Z";
const END: &str = "2026-12-10T18:00:00Z";

async fn problem(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    if status >= 400 {
        assert_eq!(ct, "application/problem+json", "status {status}: {body}");
        assert_eq!(body["status"], status, "{body}");
    }
    (status, body)
}

fn fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn enrollment_validation_reports_every_bad_field() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    let (status, body) = problem(
        s.post(
            "/v1/enrollments",
            json!({"email": "not-an-email", "firstName": "", "lastName": 7, "eventId": event,
                   "phone": "12", "timezone": "Mars/Olympus", "colour": "blue"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    let f = fields(&body);
    for field in [
        "email",
        "firstName",
        "lastName",
        "phone",
        "timezone",
        "smsConsent",
        "colour",
    ] {
        assert!(
            f.contains(&field.to_string()),
            "no error for {field}: {body}"
        );
    }
    // smsConsent without a phone, and a non-object body.
    let (status, body) = problem(s.post("/v1/enrollments", json!({"email": "a@example.com", "firstName": "A", "lastName": "B", "eventId": event, "smsConsent": true})).await).await;
    assert_eq!(
        (status, fields(&body)),
        (400, vec!["smsConsent".to_string()])
    );
    let r = s
        .client
        .post(s.url("/v1/enrollments"))
        .header("content-type", "application/json")
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await.0, 400);
    let r = s
        .client
        .post(s.url("/v1/enrollments"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await.0, 400);
    let r = s
        .client
        .post(s.url("/v1/enrollments"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await.0, 415);
    // Nothing was enrolled by any of it.
    s.advance_to("2026-12-02T00:00:00Z").await;
    assert!(s.outbox().await.is_empty());
}

#[tokio::test]
async fn unknown_finished_and_duplicate() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    let body = |email: &str, ev: &str| json!({"email": email, "firstName": "A", "lastName": "B", "eventId": ev});
    assert_eq!(
        problem(
            s.post("/v1/enrollments", body("a@example.com", "evt_nope"))
                .await
        )
        .await
        .0,
        404
    );

    let first = s.enroll(&event, "Ada@Example.com", None).await;
    // Same email, trimmed and case-insensitive: 409 with the existing enrollment.
    let (status, dup) = problem(
        s.post("/v1/enrollments", body("  ada@example.COM ", &event))
            .await,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(dup["existing"]["enrollmentId"], first["enrollmentId"]);
    // The whole first answer, calendar links included (rebuilt, the same).
    assert_eq!(dup["existing"], first);

    s.advance_to("2026-12-10T18:00:01Z").await;
    assert_eq!(
        problem(
            s.post("/v1/enrollments", body("late@example.com", &event))
                .await
        )
        .await
        .0,
        422
    );
}

#[tokio::test]
async fn idempotency_key_replays_and_rejects_other_bodies() {
    let s = TestServer::start("2026-12-01T15:00:00Z").await;
    let event = s.webinar_event(START, END).await;
    let req = |email: &str| {
        s.client
            .post(s.url("/v1/enrollments"))
            .header("Idempotency-Key", "form-submit-123")
            .json(&json!({"email": email, "firstName": "A", "lastName": "B", "eventId": event}))
    };
    let r1 = req("ada@example.com").send().await.unwrap();
    assert_eq!(r1.status(), 201);
    let b1: Value = r1.json().await.unwrap();
    let r2 = req("ada@example.com").send().await.unwrap();
    assert_eq!(r2.status(), 201, "a replay answers like the first time");
    assert_eq!(r2.json::<Value>().await.unwrap(), b1);
    assert_eq!(
        problem(req("other@example.com").send().await.unwrap())
            .await
            .0,
        422
    );
    // After 24 hours the key is free again (and the email is now a duplicate).
    s.advance_to("2026-12-02T15:00:01Z").await;
    assert_eq!(
        problem(req("ada@example.com").send().await.unwrap())
            .await
            .0,
        409
    );
}

#[tokio::test]
async fn oversized_bodies_rate_limits_and_missing_keys() {
    let s = TestServer::start_with(StackOptions {
        data_dir: None,
        public_url: String::new(),
        virtual_start: Some("2026-12-01T15:00:00Z".parse().unwrap()),
        admin_key: ADMIN_KEY.into(),
        rate_limit_per_minute: Some(5),
        smtp_relay: None,
    })
    .await;
    let event = s.webinar_event(START, END).await;
    let big = json!({"email": "a@example.com", "firstName": "x".repeat(70_000), "lastName": "B", "eventId": event});
    assert_eq!(problem(s.post("/v1/enrollments", big).await).await.0, 413);
    // 5 per minute per address (the 413 above counted as one).
    let mut last = None;
    for i in 0..6 {
        last = Some(s.post("/v1/enrollments", json!({"email": format!("r{i}@example.com"), "firstName": "A", "lastName": "B", "eventId": event})).await);
    }
    let r = last.unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    // Admin routes without or with a wrong key.
    let r = s.client.get(s.url("/v1/events")).send().await.unwrap();
    assert_eq!(problem(r).await.0, 401);
    let r = s
        .client
        .get(s.url("/v1/events"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await.0, 401);
    // An invalid funnel: 400 with the validator's problems and paths.
    let r = s.admin_put_yaml("/v1/funnels/bad", "funnel: bad\nname: x\npre_event:\n  - { id: a, channels: [email], template: nope, send: { before_event: 3x } }\n").await;
    let (status, body) = problem(r).await;
    assert_eq!(status, 400);
    let f = fields(&body);
    assert!(
        f.contains(&"pre_event[0].template".to_string())
            && f.contains(&"pre_event[0].send.before_event".to_string()),
        "{body}"
    );
}

/// Storing a funnel is idempotent: the same document again returns the
/// latest version unchanged; a changed document becomes the next version.
#[tokio::test]
async fn storing_the_same_funnel_again_makes_no_new_version() {
    let s = TestServer::start("2026-12-01T00:00:00Z").await;
    let yaml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/funnels/workshop.yaml"
    ))
    .unwrap();
    let id = "workshop-1day";
    let first = s.admin_put_yaml(&format!("/v1/funnels/{id}"), &yaml).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(
        (first["version"].as_u64(), first["changed"].as_bool()),
        (Some(1), Some(true))
    );

    let again = s.admin_put_yaml(&format!("/v1/funnels/{id}"), &yaml).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(
        (again["version"].as_u64(), again["changed"].as_bool()),
        (Some(1), Some(false))
    );

    let edited = yaml.replacen("name: ", "name: Edited ", 1);
    assert_ne!(edited, yaml, "the example has a name to edit");
    let next = s
        .admin_put_yaml(&format!("/v1/funnels/{id}"), &edited)
        .await;
    assert_eq!(next.status(), 200);
    let next: Value = next.json().await.unwrap();
    assert_eq!(
        (next["version"].as_u64(), next["changed"].as_bool()),
        (Some(2), Some(true))
    );
}
