//! Svix signatures (Resend's webhooks) against vectors computed by Svix's
//! official Python library (fixtures/svix/make_vectors.py), plus expired,
//! future, forged and replayed-with-another-body cases, on the clock port.

use jiff::{SignedDuration, Timestamp};
use myx_engine::ManualClock;
use myx_providers::svix::{SvixError, SvixHeaders, SvixSecret};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    secret: String,
    other_secret: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    id: String,
    timestamp: i64,
    body: String,
    signature: String,
    rotation_header: String,
}

fn vectors() -> Vectors {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/svix/vectors.json"
    ))
    .expect("vectors.json (run make_vectors.py)");
    serde_json::from_str(&text).expect("vectors parse")
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap()
}

fn headers<'a>(case: &'a Case, ts: &'a str, signature: &'a str) -> SvixHeaders<'a> {
    SvixHeaders {
        id: Some(&case.id),
        timestamp: Some(ts),
        signature: Some(signature),
    }
}

#[test]
fn every_vector_from_svixs_library_verifies_on_the_clock_port() {
    let v = vectors();
    let secret = SvixSecret::new(&v.secret).unwrap();
    assert!(v.cases.len() >= 3);
    for case in &v.cases {
        let clock = ManualClock::new(at(case.timestamp + 60));
        let ts = case.timestamp.to_string();
        assert_eq!(
            secret.verify(
                &headers(case, &ts, &case.signature),
                case.body.as_bytes(),
                &clock
            ),
            Ok(()),
            "{}",
            case.name
        );
        assert_eq!(
            secret.sign(&case.id, case.timestamp, case.body.as_bytes()),
            case.signature,
            "{}",
            case.name
        );
        // Key rotation: either listed signature may match.
        assert_eq!(
            secret.verify(
                &headers(case, &ts, &case.rotation_header),
                case.body.as_bytes(),
                &clock
            ),
            Ok(()),
            "{} (rotation)",
            case.name
        );
        let other = SvixSecret::new(&v.other_secret).unwrap();
        assert_eq!(
            other.verify(
                &headers(case, &ts, &case.rotation_header),
                case.body.as_bytes(),
                &clock
            ),
            Ok(()),
            "{} (rotation, new key)",
            case.name
        );
    }
}

#[test]
fn expired_and_future_timestamps_are_refused() {
    let v = vectors();
    let secret = SvixSecret::new(&v.secret).unwrap();
    let case = &v.cases[0];
    let ts = case.timestamp.to_string();
    let h = headers(case, &ts, &case.signature);
    let five = SignedDuration::from_mins(5);
    let sent = at(case.timestamp);
    // Exactly five minutes either way is still accepted.
    assert_eq!(
        secret.verify_at(&h, case.body.as_bytes(), sent + five),
        Ok(())
    );
    assert_eq!(
        secret.verify_at(&h, case.body.as_bytes(), sent - five),
        Ok(())
    );
    let late = ManualClock::new(sent + five + SignedDuration::from_secs(1));
    assert_eq!(
        secret.verify(&h, case.body.as_bytes(), &late),
        Err(SvixError::TooOld)
    );
    let early = ManualClock::new(sent - five - SignedDuration::from_secs(1));
    assert_eq!(
        secret.verify(&h, case.body.as_bytes(), &early),
        Err(SvixError::TooNew)
    );
}

#[test]
fn forged_signatures_are_refused() {
    let v = vectors();
    let secret = SvixSecret::new(&v.secret).unwrap();
    let case = &v.cases[0];
    let now = at(case.timestamp);
    let ts = case.timestamp.to_string();
    // Signed with another key.
    let other = SvixSecret::new(&v.other_secret).unwrap();
    let forged = other.sign(&case.id, case.timestamp, case.body.as_bytes());
    assert_eq!(
        secret.verify_at(&headers(case, &ts, &forged), case.body.as_bytes(), now),
        Err(SvixError::NoMatch)
    );
    // Right signature, wrong version tag; garbage entries.
    let v2 = case.signature.replacen("v1,", "v2,", 1);
    for bad in [v2.as_str(), "v1,AAAA", "v1", "garbage", "v1,!!!"] {
        assert_eq!(
            secret.verify_at(&headers(case, &ts, bad), case.body.as_bytes(), now),
            Err(SvixError::NoMatch),
            "{bad}"
        );
    }
    // Another message id or timestamp with the same signature.
    let moved = (case.timestamp + 1).to_string();
    assert_eq!(
        secret.verify_at(
            &headers(case, &moved, &case.signature),
            case.body.as_bytes(),
            now
        ),
        Err(SvixError::NoMatch)
    );
    let mut other_id = headers(case, &ts, &case.signature);
    other_id.id = Some("msg_other");
    assert_eq!(
        secret.verify_at(&other_id, case.body.as_bytes(), now),
        Err(SvixError::NoMatch)
    );
}

#[test]
fn a_replay_with_another_body_is_refused() {
    let v = vectors();
    let secret = SvixSecret::new(&v.secret).unwrap();
    let case = &v.cases[0];
    let ts = case.timestamp.to_string();
    let other_body = case.body.replace("email.delivered", "email.complained");
    assert_ne!(other_body, case.body);
    assert_eq!(
        secret.verify_at(
            &headers(case, &ts, &case.signature),
            other_body.as_bytes(),
            at(case.timestamp)
        ),
        Err(SvixError::NoMatch)
    );
}

#[test]
fn missing_headers_say_so() {
    let v = vectors();
    let secret = SvixSecret::new(&v.secret).unwrap();
    let e = secret
        .verify_at(&SvixHeaders::default(), b"{}", at(0))
        .unwrap_err();
    assert!(e.is_missing());
}
