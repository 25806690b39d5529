//! Enrolling in a Zoom event end to end over HTTP, with Zoom's API stubbed:
//! the registrant's personal join URL comes back in the response and goes
//! into the messages; Zoom refusing (422) or unavailable (503) writes
//! nothing and starts no funnel; when our write fails after Zoom accepted,
//! the Zoom registrant is removed again (compensation), unless the write
//! went through after all.

use crate::common::{Fault, FaultyStore, TransactFailure};
use crate::provider_stack::*;
use myx_engine::records::RegistrationRecord;
use myx_engine::{keys, Key, StoreError, WriteOp};
use myx_http::ApiState;
use myx_localstack::ProviderSettings;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EMAIL: &str = "ada@example.com";
const REGISTRANTS: &str = "/v2/meetings/85746065123/registrants";

async fn start(zoom: &MockServer) -> ProviderServer {
    let uri = zoom.uri();
    ProviderServer::start("2026-12-01T15:00:00Z", move |_| zoom_settings(&uri)).await
}

fn enrollment(event: &str, email: &str) -> Value {
    json!({"email": email, "firstName": "Ada", "lastName": "Lovelace", "eventId": event})
}

fn contact_key(email: &str) -> Key {
    keys::contact_by_email("dev", &keys::sha256_hex(email))
}

/// Nothing of this enrollment exists and no message goes out for it.
async fn assert_nothing_written(s: &ProviderServer, email: &str) {
    assert!(s.item(&contact_key(email)).await.is_none(), "no contact");
    s.advance_to("2026-12-20T00:00:00Z").await;
    let outbox = s.outbox().await;
    assert!(
        outbox.iter().all(|m| m["to"] != email),
        "no funnel: {outbox:?}"
    );
}

#[tokio::test]
async fn the_response_and_the_messages_carry_the_registrants_own_join_url() {
    let zoom = zoom_stub().await;
    let s = start(&zoom).await;
    // A numeric meeting id, as Zoom shows it with spaces, or as a string.
    let event = s.zoom_event("zoom_meeting", json!(85746065123u64)).await;
    let r = s.post("/v1/enrollments", enrollment(&event, EMAIL)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["joinUrl"], zoom_join_url(0));

    let calls = requests_to(&zoom, "POST", REGISTRANTS).await;
    assert_eq!(calls.len(), 1);
    let sent: Value = serde_json::from_slice(&calls[0].body).unwrap();
    assert_eq!(sent["email"], EMAIL);
    assert_eq!(sent["first_name"], "Ada");
    assert_eq!(sent["last_name"], "Lovelace");
    assert_eq!(calls[0].headers["authorization"], "Bearer zoom-token");

    let contact = body["contactId"].as_str().unwrap();
    let reg: RegistrationRecord = myx_engine::records::from_data(
        &s.item(&keys::registration("dev", &event, contact))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        reg.registrant_id.as_deref(),
        Some(zoom_registrant_id(0).as_str())
    );
    assert_eq!(reg.join_url.as_deref(), Some(zoom_join_url(0).as_str()));

    // The welcome email links to the personal URL, not a shared one.
    s.advance_to("2026-12-02T00:00:00Z").await;
    let outbox = s.outbox().await;
    let welcome = outbox
        .iter()
        .find(|m| m["to"] == EMAIL && m["step"] == "welcome")
        .expect("welcome sent");
    assert!(
        welcome["body"]
            .as_str()
            .unwrap()
            .contains(&zoom_join_url(0)),
        "{welcome}"
    );

    // A second registrant gets their own link; a webinar registers under /webinars.
    let r = s
        .post("/v1/enrollments", enrollment(&event, "grace@example.com"))
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["joinUrl"],
        zoom_join_url(1)
    );
    let webinar = s.zoom_event("zoom_webinar", json!("912 3456 7890")).await;
    let r = s.post("/v1/enrollments", enrollment(&webinar, EMAIL)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        requests_to(&zoom, "POST", "/v2/webinars/91234567890/registrants")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_repeat_is_409_and_a_replay_is_the_first_answer_without_asking_zoom_again() {
    let zoom = zoom_stub().await;
    let s = start(&zoom).await;
    let event = s.zoom_event("zoom_meeting", json!(ZOOM_MEETING)).await;
    let first: Value = s
        .post("/v1/enrollments", enrollment(&event, EMAIL))
        .await
        .json()
        .await
        .unwrap();
    let r = s.post("/v1/enrollments", enrollment(&event, EMAIL)).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["existing"]["joinUrl"], first["joinUrl"]);
    assert_eq!(requests_to(&zoom, "POST", REGISTRANTS).await.len(), 1);
    // An Idempotency-Key replay answers the first response, also without Zoom.
    let keyed = || {
        s.client
            .post(s.url("/v1/enrollments"))
            .header("Idempotency-Key", "form-submit-7")
            .json(&enrollment(&event, "grace@example.com"))
            .send()
    };
    let once: Value = keyed().await.unwrap().json().await.unwrap();
    let r = keyed().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap(), once);
    assert_eq!(once["joinUrl"], zoom_join_url(1));
    assert_eq!(requests_to(&zoom, "POST", REGISTRANTS).await.len(), 2);
}

#[tokio::test]
async fn zoom_refusing_the_registration_is_422_and_nothing_is_written() {
    let zoom = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "t", "expires_in": 3600})),
        )
        .mount(&zoom)
        .await;
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": 3043, "message": "Registration has not been enabled for this meeting."
        })))
        .mount(&zoom)
        .await;
    let s = start(&zoom).await;
    let event = s.zoom_event("zoom_meeting", json!(ZOOM_MEETING)).await;
    let r = s.post("/v1/enrollments", enrollment(&event, EMAIL)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let problem: Value = r.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("Registration has not been enabled"),
        "{detail}"
    );
    assert_nothing_written(&s, EMAIL).await;
}

#[tokio::test]
async fn zoom_unavailable_is_503_nothing_is_written_and_a_retry_works() {
    for (status, retry_after) in [(503u16, None), (429, Some("5"))] {
        let zoom = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": "t", "expires_in": 3600})),
            )
            .mount(&zoom)
            .await;
        let mut down = ResponseTemplate::new(status);
        if let Some(secs) = retry_after {
            down = down.insert_header("Retry-After", secs);
        }
        Mock::given(method("POST"))
            .and(path(REGISTRANTS))
            .respond_with(down)
            .up_to_n_times(1)
            .mount(&zoom)
            .await;
        Mock::given(method("POST"))
            .and(path(REGISTRANTS))
            .respond_with(NumberedRegistrants::default())
            .mount(&zoom)
            .await;
        let s = start(&zoom).await;
        let event = s.zoom_event("zoom_meeting", json!(ZOOM_MEETING)).await;
        let r = s.post("/v1/enrollments", enrollment(&event, EMAIL)).await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "zoom {status}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        // Zoom's Retry-After is passed on to the form.
        assert_eq!(
            r.headers().get("retry-after").map(|v| v.to_str().unwrap()),
            retry_after,
            "zoom {status}"
        );
        assert!(s.item(&contact_key(EMAIL)).await.is_none(), "zoom {status}");
        // Zoom is back: the same request now enrolls.
        let r = s.post("/v1/enrollments", enrollment(&event, EMAIL)).await;
        assert_eq!(r.status(), StatusCode::CREATED, "zoom {status}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["joinUrl"],
            zoom_join_url(0)
        );
    }
}

#[tokio::test]
async fn a_zoom_event_without_zoom_settings_is_503_not_a_funnel_without_a_link() {
    let s = ProviderServer::start("2026-12-01T15:00:00Z", |_| ProviderSettings::default()).await;
    let event = s.zoom_event("zoom_meeting", json!(ZOOM_MEETING)).await;
    let r = s.post("/v1/enrollments", enrollment(&event, EMAIL)).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_nothing_written(&s, EMAIL).await;
}

#[tokio::test]
async fn events_refuse_zoom_ids_that_are_not_zoom_ids() {
    let zoom = zoom_stub().await;
    let s = start(&zoom).await;
    s.webinar_event().await;
    for bad in [json!("abc"), json!("123/../users"), json!(-5), json!("")] {
        let r = s
            .client
            .post(s.url("/v1/events"))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({
                "title": "Z", "startsAt": START, "endsAt": END, "timezone": "UTC",
                "platform": "zoom_meeting", "zoomMeetingId": bad, "funnelId": "webinar-7day"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "zoomMeetingId", "{bad}");
    }
}

/// How a store wrapped by [`FailingWrites`] fails enrollment transactions.
#[derive(Clone, Copy, PartialEq)]
enum Failure {
    /// Refuses the write: nothing is stored.
    Refuse,
    /// Stores it, then reports a failure (a lost answer).
    CommitThenFail,
}

/// Ordered writes that include a registration fail.
struct RegistrationWritesFail(Failure);

impl Fault for RegistrationWritesFail {
    fn write_in_order(&self, phases: &[Vec<WriteOp>]) -> Option<TransactFailure> {
        let registration = phases.iter().flatten().any(|op| {
            matches!(op, WriteOp::Put { item, .. } if item.key.sk.starts_with(keys::REGISTRATION_PREFIX))
        });
        let error = StoreError::Unavailable("injected: the table did not answer".into());
        registration.then_some(match self.0 {
            Failure::Refuse => TransactFailure::Refuse(error),
            Failure::CommitThenFail => TransactFailure::CommitThenFail(error),
        })
    }
}

/// The stack's API over an engine whose store fails enrollment writes.
async fn failing_api(s: &ProviderServer, failure: Failure) -> String {
    let mut engine = s.stack.engine.clone();
    engine.store = Arc::new(FaultyStore {
        inner: s.stack.engine.store.clone(),
        fault: RegistrationWritesFail(failure),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = myx_http::router(ApiState::new(engine))
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    base
}

#[tokio::test]
async fn a_failed_write_after_zoom_accepted_removes_the_registrant() {
    let zoom = zoom_stub().await;
    let s = start(&zoom).await;
    let event = s.zoom_event("zoom_meeting", json!(ZOOM_MEETING)).await;
    let failing = failing_api(&s, Failure::Refuse).await;
    let r = s
        .client
        .post(format!("{failing}/v1/enrollments"))
        .json(&enrollment(&event, EMAIL))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Zoom registered the person, then the registrant was deleted again.
    assert_eq!(requests_to(&zoom, "POST", REGISTRANTS).await.len(), 1);
    let deletes = requests_to(&zoom, "DELETE", REGISTRANTS).await;
    assert_eq!(deletes.len(), 1);
    assert_eq!(
        deletes[0].url.path(),
        format!("{REGISTRANTS}/{}", zoom_registrant_id(0))
    );
    assert_nothing_written(&s, EMAIL).await;
}

#[tokio::test]
async fn a_write_whose_answer_was_lost_keeps_the_registrant() {
    let zoom = zoom_stub().await;
    let s = start(&zoom).await;
    let event = s.zoom_event("zoom_meeting", json!(ZOOM_MEETING)).await;
    let failing = failing_api(&s, Failure::CommitThenFail).await;
    let r = s
        .client
        .post(format!("{failing}/v1/enrollments"))
        .json(&enrollment(&event, EMAIL))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    // The enrollment is stored with its registrant: Zoom's is kept.
    assert!(requests_to(&zoom, "DELETE", REGISTRANTS).await.is_empty());
    let r = s.post("/v1/enrollments", enrollment(&event, EMAIL)).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["existing"]["joinUrl"], zoom_join_url(0));
}
