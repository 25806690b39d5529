//! Zoom webhook signatures and URL-validation tokens against vectors
//! computed independently with Python's hmac and hashlib as Zoom's docs
//! describe (fixtures/zoom/make_vectors.py), plus forged, replayed and
//! expired cases, on the clock port.

use jiff::{SignedDuration, Timestamp};
use myx_engine::ManualClock;
use myx_providers::zoom::signature::{ZoomSignatureError, ZoomSignatureHeaders};
use myx_providers::zoom::webhook::{parse, url_validation_answer, ZoomWebhook};
use myx_providers::zoom::ZoomWebhookSecret;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Vectors {
    secret: String,
    other_secret: String,
    cases: Vec<Case>,
    url_validation: Vec<Validation>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    timestamp: i64,
    body: String,
    signature: String,
    forged_signature: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Validation {
    plain_token: String,
    encrypted_token: String,
}

fn vectors() -> Vectors {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/zoom/vectors.json"
    ))
    .expect("vectors.json (run make_vectors.py)");
    serde_json::from_str(&text).expect("vectors parse")
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap()
}

fn headers<'a>(ts: &'a str, signature: &'a str) -> ZoomSignatureHeaders<'a> {
    ZoomSignatureHeaders {
        timestamp: Some(ts),
        signature: Some(signature),
    }
}

fn secret(v: &Vectors) -> ZoomWebhookSecret {
    ZoomWebhookSecret::new(&v.secret).unwrap()
}

#[test]
fn every_vector_verifies_and_we_sign_the_same() {
    let v = vectors();
    let secret = secret(&v);
    assert!(v.cases.len() >= 4);
    for case in &v.cases {
        let ts = case.timestamp.to_string();
        let clock = ManualClock::new(at(case.timestamp + 30));
        assert_eq!(
            secret.verify(&headers(&ts, &case.signature), case.body.as_bytes(), &clock),
            Ok(()),
            "{}",
            case.name
        );
        assert_eq!(
            secret.sign(case.timestamp, case.body.as_bytes()),
            case.signature,
            "{}",
            case.name
        );
        // Uppercase hex is the same signature.
        let upper = format!("v0={}", case.signature[3..].to_uppercase());
        assert_eq!(
            secret.verify(&headers(&ts, &upper), case.body.as_bytes(), &clock),
            Ok(()),
            "{} (uppercase)",
            case.name
        );
    }
}

#[test]
fn url_validation_tokens_match_the_vectors() {
    let v = vectors();
    let secret = secret(&v);
    for case in &v.url_validation {
        assert_eq!(
            secret.encrypt_token(&case.plain_token),
            case.encrypted_token,
            "{}",
            case.plain_token
        );
        assert_eq!(
            url_validation_answer(&secret, &case.plain_token),
            json!({"plainToken": case.plain_token, "encryptedToken": case.encrypted_token})
        );
    }
    // The signed validation request in the vectors parses to its token.
    let case = v
        .cases
        .iter()
        .find(|c| c.name == "endpoint.url_validation")
        .unwrap();
    assert_eq!(
        parse(case.body.as_bytes()).unwrap(),
        ZoomWebhook::UrlValidation {
            plain_token: v.url_validation[0].plain_token.clone()
        }
    );
}

#[test]
fn the_vector_bodies_parse_with_numeric_and_string_meeting_ids() {
    let v = vectors();
    let ids: Vec<String> = v
        .cases
        .iter()
        .filter_map(|c| match parse(c.body.as_bytes()).unwrap() {
            ZoomWebhook::ParticipantJoined(p) => Some(p.meeting_id),
            ZoomWebhook::Ended(e) => Some(e.meeting_id),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["85746065123", "91234567890", "85746065123"]);
}

#[test]
fn forged_signatures_are_refused() {
    let v = vectors();
    let secret = secret(&v);
    let case = &v.cases[0];
    let ts = case.timestamp.to_string();
    let now = at(case.timestamp);
    // Signed with another secret token (computed by the script).
    assert_eq!(
        secret.verify_at(
            &headers(&ts, &case.forged_signature),
            case.body.as_bytes(),
            now
        ),
        Err(ZoomSignatureError::Mismatch)
    );
    // And our own signing with that secret agrees with the script.
    let other = ZoomWebhookSecret::new(&v.other_secret).unwrap();
    assert_eq!(
        other.sign(case.timestamp, case.body.as_bytes()),
        case.forged_signature
    );
    // Without the version prefix, another version, truncated, not hex.
    let bare = case.signature.trim_start_matches("v0=").to_string();
    let v1 = case.signature.replacen("v0=", "v1=", 1);
    let short = case.signature[..case.signature.len() - 2].to_string();
    for bad in [
        bare.as_str(),
        v1.as_str(),
        short.as_str(),
        "v0=zz",
        "v0=",
        "garbage",
    ] {
        assert_eq!(
            secret.verify_at(&headers(&ts, bad), case.body.as_bytes(), now),
            Err(ZoomSignatureError::Mismatch),
            "{bad}"
        );
    }
}

#[test]
fn a_replay_with_another_body_or_timestamp_is_refused() {
    let v = vectors();
    let secret = secret(&v);
    let case = &v.cases[0];
    let ts = case.timestamp.to_string();
    let now = at(case.timestamp);
    let other_body = case.body.replace("fdgsfh2ey82fuh", "someone-else");
    assert_ne!(other_body, case.body);
    assert_eq!(
        secret.verify_at(&headers(&ts, &case.signature), other_body.as_bytes(), now),
        Err(ZoomSignatureError::Mismatch)
    );
    // The same signature with a fresher timestamp does not verify either.
    let moved = (case.timestamp + 60).to_string();
    assert_eq!(
        secret.verify_at(
            &headers(&moved, &case.signature),
            case.body.as_bytes(),
            now + SignedDuration::from_secs(60)
        ),
        Err(ZoomSignatureError::Mismatch)
    );
}

#[test]
fn expired_and_future_timestamps_are_refused() {
    let v = vectors();
    let secret = secret(&v);
    let case = &v.cases[2];
    let ts = case.timestamp.to_string();
    let h = headers(&ts, &case.signature);
    let body = case.body.as_bytes();
    let sent = at(case.timestamp);
    let five = SignedDuration::from_mins(5);
    let second = SignedDuration::from_secs(1);
    assert_eq!(secret.verify_at(&h, body, sent + five), Ok(()));
    assert_eq!(secret.verify_at(&h, body, sent - five), Ok(()));
    let late = ManualClock::new(sent + five + second);
    assert_eq!(
        secret.verify(&h, body, &late),
        Err(ZoomSignatureError::TooOld)
    );
    let early = ManualClock::new(sent - five - second);
    assert_eq!(
        secret.verify(&h, body, &early),
        Err(ZoomSignatureError::TooNew)
    );
}

#[test]
fn missing_and_garbled_headers_say_so() {
    let v = vectors();
    let secret = secret(&v);
    let case = &v.cases[0];
    let now = at(case.timestamp);
    let e = secret
        .verify_at(&ZoomSignatureHeaders::default(), b"{}", now)
        .unwrap_err();
    assert!(e.is_missing());
    let only_sig = ZoomSignatureHeaders {
        timestamp: Some("  "),
        signature: Some(&case.signature),
    };
    assert!(secret
        .verify_at(&only_sig, case.body.as_bytes(), now)
        .unwrap_err()
        .is_missing());
    for ts in ["soon", "1.5", "99999999999999999999"] {
        assert_eq!(
            secret.verify_at(&headers(ts, &case.signature), case.body.as_bytes(), now),
            Err(ZoomSignatureError::InvalidTimestamp),
            "{ts}"
        );
    }
}

#[test]
fn blank_secrets_are_none_and_debug_redacts() {
    assert!(ZoomWebhookSecret::new("  ").is_none());
    let s = ZoomWebhookSecret::new("q8vT2xR5nL0wYb7KcE3mPj").unwrap();
    assert!(!format!("{s:?}").contains("q8vT"));
}

/// The sample Lambda events (events/generate.py signs them with its own
/// Python code and fixture secret) verify and parse as well.
#[test]
fn the_sample_lambda_events_verify_and_parse() {
    let secret = ZoomWebhookSecret::new("fixture-zoom-webhook-secret-token").unwrap();
    for (file, meeting) in [
        ("webhooks-zoom-participant-joined.json", Some("85746065432")),
        ("webhooks-zoom-url-validation.json", None),
    ] {
        let path = format!("{}/../../events/{file}", env!("CARGO_MANIFEST_DIR"));
        let event: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let header = |name: &str| event["headers"][name].as_str().unwrap();
        let ts = header("x-zm-request-timestamp");
        let body = event["body"].as_str().unwrap();
        let now = at(ts.parse().unwrap());
        assert_eq!(
            secret.verify_at(&headers(ts, header("x-zm-signature")), body.as_bytes(), now),
            Ok(()),
            "{file}"
        );
        match (parse(body.as_bytes()).unwrap(), meeting) {
            (ZoomWebhook::ParticipantJoined(p), Some(id)) => {
                assert_eq!(p.meeting_id, id);
                assert_eq!(p.kind, myx_engine::ConferenceKind::Webinar);
                assert_eq!(p.registrant_id.as_deref(), Some("xYz0AbC1dEf2GhI3jKl4Mn"));
            }
            (ZoomWebhook::UrlValidation { plain_token }, None) => {
                assert_eq!(plain_token, "qgg8vlvZRS6UYooatFL8Aw")
            }
            (other, _) => panic!("{file}: {other:?}"),
        }
    }
}
