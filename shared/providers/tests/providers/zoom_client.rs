//! The Zoom client against local stubs of Zoom's token endpoint and API
//! (wiremock): Server-to-Server OAuth with the token cached on the clock
//! port (ManualClock) until shortly before it expires, registrants for
//! meetings and webinars, and success, 4xx, 429 with Retry-After, 5xx,
//! timeouts and a refused token.

use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use myx_engine::{
    Attendee, Clock, Conference, ConferenceKind, Conferencing, ConferencingError, ManualClock,
};
use myx_providers::zoom::oauth::REFRESH_MARGIN;
use myx_providers::zoom::{ZoomConferencing, ZoomConfig};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const ACCOUNT: &str = "acct_Zx9";
const CLIENT_ID: &str = "client_abc";
const CLIENT_SECRET: &str = "client-secret-xyz";
const MEETING: &str = "85746065123";
const REGISTRANTS: &str = "/v2/meetings/85746065123/registrants";

fn meeting() -> Conference {
    Conference {
        kind: ConferenceKind::Meeting,
        id: MEETING.into(),
    }
}

fn ada() -> Attendee<'static> {
    Attendee {
        email: "ada@example.com",
        first_name: "Ada",
        last_name: "Lovelace",
    }
}

fn t0() -> Timestamp {
    "2026-12-01T15:00:00Z".parse().unwrap()
}

/// Answers token requests with `tok-0`, `tok-1`, ... valid for `expires_in` s.
struct NumberedTokens {
    next: AtomicUsize,
    expires_in: i64,
}

impl Respond for NumberedTokens {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": format!("tok-{n}"), "token_type": "bearer",
            "expires_in": self.expires_in, "scope": "meeting:write:registrant:admin",
            "api_url": "https://api.zoom.us"
        }))
    }
}

async fn token_stub(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(NumberedTokens {
            next: AtomicUsize::new(0),
            expires_in: 3600,
        })
        .mount(server)
        .await;
}

fn registered() -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "id": 85746065123u64, "registrant_id": "fdgsfh2ey82fuh", "topic": "Launch Webinar",
        "start_time": "2026-12-10T17:00:00Z",
        "join_url": "https://us02web.zoom.us/w/85746065123?tk=abc.def"
    }))
}

fn client(server: &MockServer, clock: Arc<ManualClock>, timeout: Duration) -> ZoomConferencing {
    let config = ZoomConfig::new(ACCOUNT, CLIENT_ID, CLIENT_SECRET)
        .with_stub(&server.uri())
        .with_timeout(timeout);
    ZoomConferencing::new(config, clock).unwrap()
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

fn header<'a>(r: &'a Request, name: &str) -> &'a str {
    r.headers.get(name).unwrap().to_str().unwrap()
}

#[tokio::test]
async fn a_registration_gets_a_token_then_the_registrants_join_url() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .respond_with(registered())
        .expect(1)
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    );
    let r = zoom.register(&meeting(), &ada()).await.unwrap();
    assert_eq!(r.registrant_id, "fdgsfh2ey82fuh");
    assert_eq!(
        r.join_url,
        "https://us02web.zoom.us/w/85746065123?tk=abc.def"
    );

    // The token request: basic auth with the client id and secret, the
    // account_credentials grant for our account.
    let tokens = requests_to(&server, "/oauth/token").await;
    assert_eq!(tokens.len(), 1);
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    assert_eq!(
        header(&tokens[0], "authorization"),
        format!("Basic {basic}")
    );
    assert!(header(&tokens[0], "content-type").starts_with("application/x-www-form-urlencoded"));
    let form: Vec<(String, String)> = form_urlencoded::parse(&tokens[0].body)
        .into_owned()
        .collect();
    assert_eq!(
        form,
        vec![
            ("grant_type".to_string(), "account_credentials".to_string()),
            ("account_id".to_string(), ACCOUNT.to_string()),
        ]
    );
    // The registration: the bearer token and the person, approved at once.
    let calls = requests_to(&server, REGISTRANTS).await;
    assert_eq!(header(&calls[0], "authorization"), "Bearer tok-0");
    let body: Value = serde_json::from_slice(&calls[0].body).unwrap();
    assert_eq!(
        body,
        json!({"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "auto_approve": true})
    );
}

#[tokio::test]
async fn webinars_register_under_their_own_path() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    Mock::given(method("POST"))
        .and(path("/v2/webinars/91234567890/registrants"))
        .respond_with(registered())
        .expect(1)
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    );
    let webinar = Conference {
        kind: ConferenceKind::Webinar,
        id: "91234567890".into(),
    };
    zoom.register(&webinar, &ada()).await.unwrap();
    let calls = requests_to(&server, "/v2/webinars/91234567890/registrants").await;
    let body: Value = serde_json::from_slice(&calls[0].body).unwrap();
    assert_eq!(
        body,
        json!({"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"})
    );
}

#[tokio::test]
async fn the_token_is_cached_until_shortly_before_it_expires() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .respond_with(registered())
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(t0()));
    let zoom = client(&server, clock.clone(), Duration::from_secs(5));
    zoom.register(&meeting(), &ada()).await.unwrap();
    zoom.register(&meeting(), &ada()).await.unwrap();
    assert_eq!(
        requests_to(&server, "/oauth/token").await.len(),
        1,
        "cached"
    );

    // 3600 s lifetime: still used just before the refresh margin...
    let refresh_at = t0() + SignedDuration::from_secs(3600) - REFRESH_MARGIN;
    clock.advance_to(refresh_at - SignedDuration::from_secs(1));
    zoom.register(&meeting(), &ada()).await.unwrap();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);
    // ...and replaced from there on, then cached again.
    clock.advance_to(refresh_at);
    zoom.register(&meeting(), &ada()).await.unwrap();
    zoom.register(&meeting(), &ada()).await.unwrap();
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
    let bearers: Vec<String> = requests_to(&server, REGISTRANTS)
        .await
        .iter()
        .map(|r| header(r, "authorization").to_string())
        .collect();
    assert_eq!(
        bearers,
        [
            "Bearer tok-0",
            "Bearer tok-0",
            "Bearer tok-0",
            "Bearer tok-1",
            "Bearer tok-1"
        ]
    );
    assert_eq!(clock.now(), refresh_at, "only the test moved the clock");
}

#[tokio::test]
async fn concurrent_calls_share_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(NumberedTokens {
            next: AtomicUsize::new(0),
            expires_in: 3600,
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .respond_with(registered())
        .mount(&server)
        .await;
    let zoom = Arc::new(client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    ));
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let zoom = zoom.clone();
            tokio::spawn(async move { zoom.register(&meeting(), &ada()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);
}

#[tokio::test]
async fn a_token_zoom_stops_accepting_is_fetched_again_once() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    // The first (cached) token is refused, the second accepted.
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .and(wiremock::matchers::header("authorization", "Bearer tok-0"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"code": 124, "message": "Invalid access token."})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .and(wiremock::matchers::header("authorization", "Bearer tok-1"))
        .respond_with(registered())
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    );
    let r = zoom.register(&meeting(), &ada()).await.unwrap();
    assert_eq!(r.registrant_id, "fdgsfh2ey82fuh");
    assert_eq!(requests_to(&server, "/oauth/token").await.len(), 2);
    assert_eq!(requests_to(&server, REGISTRANTS).await.len(), 2);
}

#[tokio::test]
async fn refused_credentials_are_unavailable_and_nothing_is_registered() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"}),
        ))
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    );
    let e = zoom.register(&meeting(), &ada()).await.unwrap_err();
    assert!(
        matches!(&e, ConferencingError::Unavailable(m) if m.contains("invalid_client") && m.contains("ZOOM_CLIENT_SECRET")),
        "{e:?}"
    );
    assert!(!e.to_string().contains(CLIENT_SECRET));
    assert!(requests_to(&server, REGISTRANTS).await.is_empty());
}

#[tokio::test]
async fn a_refused_registration_is_rejected_without_the_email() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": 3043,
            "message": "Registration has not been enabled for this meeting: 85746065123 (ada@example.com)."
        })))
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    );
    let e = zoom.register(&meeting(), &ada()).await.unwrap_err();
    match &e {
        ConferencingError::Rejected(m) => {
            assert!(
                m.contains("400, code 3043: Registration has not been enabled"),
                "{m}"
            );
            assert!(!m.contains("ada@example.com"), "no email in {m}");
        }
        other => panic!("expected rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_meeting_is_rejected() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"code": 3001, "message": "Meeting does not exist: 85746065123."}),
        ))
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    );
    let e = zoom.register(&meeting(), &ada()).await.unwrap_err();
    assert!(
        matches!(&e, ConferencingError::Rejected(m) if m.contains("3001")),
        "{e:?}"
    );
}

#[tokio::test]
async fn rate_limited_is_busy_with_its_retry_after() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .set_body_json(json!({"code": 429, "message": "You have reached the maximum per-second rate limit for this API."})),
        )
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    );
    let e = zoom.register(&meeting(), &ada()).await.unwrap_err();
    assert!(
        matches!(&e, ConferencingError::Busy { detail, retry_after } if detail.contains("429") && retry_after.as_secs() == 7),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_server_error_is_unavailable() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>down</html>"))
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    );
    let e = zoom.register(&meeting(), &ada()).await.unwrap_err();
    assert!(
        matches!(&e, ConferencingError::Unavailable(m) if m.contains("503")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_timeout_is_unavailable() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .respond_with(registered().set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_millis(300),
    );
    let e = zoom.register(&meeting(), &ada()).await.unwrap_err();
    assert!(
        matches!(&e, ConferencingError::Unavailable(m) if m.contains("timed out")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_token_endpoint_that_times_out_is_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_millis(300),
    );
    let e = zoom.register(&meeting(), &ada()).await.unwrap_err();
    assert!(
        matches!(&e, ConferencingError::Unavailable(m) if m.contains("timed out")),
        "{e:?}"
    );
}

#[tokio::test]
async fn an_answer_without_a_join_url_is_unavailable() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    Mock::given(method("POST"))
        .and(path(REGISTRANTS))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"registrant_id": "r1"})))
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    );
    assert!(matches!(
        zoom.register(&meeting(), &ada()).await,
        Err(ConferencingError::Unavailable(_))
    ));
}

#[tokio::test]
async fn ids_that_are_not_zoom_ids_never_reach_zoom() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    );
    for id in ["", "123/../../users", "12 34"] {
        let c = Conference {
            kind: ConferenceKind::Meeting,
            id: id.into(),
        };
        assert!(
            matches!(
                zoom.register(&c, &ada()).await,
                Err(ConferencingError::Rejected(_))
            ),
            "{id:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn unregistering_deletes_the_registrant_and_a_missing_one_counts_as_gone() {
    let server = MockServer::start().await;
    token_stub(&server).await;
    Mock::given(method("DELETE"))
        .and(path("/v2/meetings/85746065123/registrants/fdgsfh2ey82fuh"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v2/meetings/85746065123/registrants/gone"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": 3079, "message": "Registrant not found."})),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v2/meetings/85746065123/registrants/busy"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let zoom = client(
        &server,
        Arc::new(ManualClock::new(t0())),
        Duration::from_secs(5),
    );
    zoom.unregister(&meeting(), "fdgsfh2ey82fuh").await.unwrap();
    zoom.unregister(&meeting(), "gone").await.unwrap();
    assert!(matches!(
        zoom.unregister(&meeting(), "busy").await,
        Err(ConferencingError::Unavailable(_))
    ));
    let deletes = requests_to(
        &server,
        "/v2/meetings/85746065123/registrants/fdgsfh2ey82fuh",
    )
    .await;
    assert_eq!(header(&deletes[0], "authorization"), "Bearer tok-0");
}
