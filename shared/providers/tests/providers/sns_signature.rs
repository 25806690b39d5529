//! SNS signatures against vectors signed as SNS signs (fixtures/sns/
//! make_vectors.py, cross-checked by AWS's `sns-validator` and by
//! `sns-payload-validator` in cross_check.js), plus forgeries, wrong
//! topics, refused certificate URLs, the certificate cache and the
//! subscription confirmation, all offline through the in-memory fetch.

use jiff::{SignedDuration, Timestamp};
use myx_providers::sns::{
    InMemorySnsFetch, MessageType, SnsError, SnsMessage, SnsVerifier, UrlError,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Deserialize)]
pub struct Vectors {
    pub topic_arn: String,
    pub cert_url: String,
    pub cert_pem: String,
    pub other_cert_pem: String,
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
pub struct Case {
    pub name: String,
    pub string_to_sign: String,
    pub body: String,
    pub forged_signature: String,
}

pub fn vectors() -> Vectors {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sns/vectors.json"
    ))
    .expect("vectors.json (run make_vectors.py)");
    serde_json::from_str(&text).expect("vectors parse")
}

/// Shortly after the vectors' timestamps.
fn now() -> Timestamp {
    "2026-12-01T15:05:00Z".parse().unwrap()
}

fn setup(v: &Vectors) -> (Arc<InMemorySnsFetch>, SnsVerifier) {
    let fetch = Arc::new(InMemorySnsFetch::new().with_certificate(&v.cert_url, v.cert_pem.clone()));
    let verifier = SnsVerifier::new([v.topic_arn.clone()], fetch.clone());
    (fetch, verifier)
}

fn body_with(case: &Case, change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Vec<u8> {
    let mut v: Value = serde_json::from_str(&case.body).unwrap();
    change(v.as_object_mut().unwrap());
    serde_json::to_vec(&v).unwrap()
}

#[tokio::test]
async fn every_vector_verifies_and_we_sign_the_same_string() {
    let v = vectors();
    assert!(v.cases.len() >= 9, "the fixture holds every case");
    let (_, verifier) = setup(&v);
    let mut kinds = Vec::new();
    for case in &v.cases {
        let parsed = SnsMessage::parse(case.body.as_bytes()).unwrap();
        assert_eq!(
            parsed.string_to_sign(),
            case.string_to_sign,
            "{}",
            case.name
        );
        let verified = verifier
            .verify(case.body.as_bytes(), now())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        kinds.push((verified.kind, verified.signature_version.clone()));
    }
    for kind in [
        MessageType::Notification,
        MessageType::SubscriptionConfirmation,
        MessageType::UnsubscribeConfirmation,
    ] {
        for version in ["1", "2"] {
            assert!(
                kinds.contains(&(kind, version.to_string())),
                "{kind:?} v{version} is covered"
            );
        }
    }
}

#[tokio::test]
async fn a_forged_signature_is_refused() {
    let v = vectors();
    let (_, verifier) = setup(&v);
    for case in &v.cases {
        let forged = body_with(case, |m| {
            m.insert("Signature".into(), json!(case.forged_signature));
        });
        assert_eq!(
            verifier.verify(&forged, now()).await,
            Err(SnsError::BadSignature),
            "{}",
            case.name
        );
        let garbled = body_with(case, |m| {
            m.insert("Signature".into(), json!("not base64 !!!"));
        });
        assert_eq!(
            verifier.verify(&garbled, now()).await,
            Err(SnsError::BadSignature),
            "{}",
            case.name
        );
    }
}

#[tokio::test]
async fn any_signed_field_changed_is_refused() {
    let v = vectors();
    let (_, verifier) = setup(&v);
    for case in &v.cases {
        let original: Value = serde_json::from_str(&case.body).unwrap();
        let confirmation = original["Type"] != "Notification";
        let mut changes: Vec<(&str, Value)> = vec![
            (
                "Message",
                json!(format!("{} ", original["Message"].as_str().unwrap())),
            ),
            ("MessageId", json!("00000000-0000-0000-0000-000000000000")),
            ("Timestamp", json!("2026-12-01T15:00:02.000Z")),
            // The same signature claimed under the other algorithm.
            (
                "SignatureVersion",
                json!(if original["SignatureVersion"] == "1" {
                    "2"
                } else {
                    "1"
                }),
            ),
        ];
        if confirmation {
            changes.push(("Token", json!("0000")));
            changes.push((
                "SubscribeURL",
                json!("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=0000"),
            ));
            // A confirmation re-labelled as the other confirmation.
            let other = if original["Type"] == "SubscriptionConfirmation" {
                "UnsubscribeConfirmation"
            } else {
                "SubscriptionConfirmation"
            };
            changes.push(("Type", json!(other)));
        } else {
            let subject = if original.get("Subject").is_some() {
                json!(null)
            } else {
                json!("Amazon SES Email Event Notification")
            };
            changes.push(("Subject", subject));
        }
        for (field, value) in changes {
            let tampered = body_with(case, |m| {
                m.insert(field.into(), value.clone());
            });
            assert_eq!(
                verifier.verify(&tampered, now()).await,
                Err(SnsError::BadSignature),
                "{}: {field} changed",
                case.name
            );
        }
    }
}

#[tokio::test]
async fn another_topic_is_refused_before_anything_is_fetched() {
    let v = vectors();
    let fetch = Arc::new(InMemorySnsFetch::new().with_certificate(&v.cert_url, v.cert_pem.clone()));
    let verifier = SnsVerifier::new(
        ["arn:aws:sns:us-east-1:123456789012:someone-else".to_string()],
        fetch.clone(),
    );
    for case in &v.cases {
        assert_eq!(
            verifier.verify(case.body.as_bytes(), now()).await,
            Err(SnsError::TopicNotAllowed),
            "{}",
            case.name
        );
    }
    // Our own topic, but the message claims another one (signature is over
    // the TopicArn, so it no longer matches).
    let (_, ours) = setup(&v);
    let moved = body_with(&v.cases[0], |m| {
        m.insert(
            "TopicArn".into(),
            json!("arn:aws:sns:us-east-1:123456789012:someone-else"),
        );
    });
    assert_eq!(
        ours.verify(&moved, now()).await,
        Err(SnsError::TopicNotAllowed)
    );
    assert_eq!(fetch.certificate_fetches(), 0);
}

#[tokio::test]
async fn certificate_urls_off_the_allow_list_are_never_fetched() {
    let v = vectors();
    let (fetch, verifier) = setup(&v);
    let path = "/SimpleNotificationService-6c6f63616c2d746573742d6365727431.pem";
    for (url, why) in [
        (
            format!("http://sns.us-east-1.amazonaws.com{path}"),
            UrlError::NotHttps,
        ),
        (format!("https://evil.example{path}"), UrlError::NotSnsHost),
        (
            format!("https://sns.us-east-1.amazonaws.com.evil.example{path}"),
            UrlError::NotSnsHost,
        ),
        (
            format!("https://sns.us-east-1.amazonaws.com@evil.example{path}"),
            UrlError::NotSnsHost,
        ),
        (
            format!("https://s3.amazonaws.com{path}"),
            UrlError::NotSnsHost,
        ),
        (
            "https://sns.us-east-1.amazonaws.com/cert.txt".to_string(),
            UrlError::NotCertificatePath,
        ),
    ] {
        // The in-memory fetch would serve the real certificate anywhere on
        // the allow-list; these never reach it.
        fetch.set_certificate(&url, v.cert_pem.clone());
        let body = body_with(&v.cases[0], |m| {
            m.insert("SigningCertURL".into(), json!(url));
        });
        assert_eq!(
            verifier.verify(&body, now()).await,
            Err(SnsError::CertUrl(why)),
            "{url}"
        );
    }
    assert_eq!(fetch.certificate_fetches(), 0);
}

#[tokio::test]
async fn the_certificate_must_be_the_signers_and_usable() {
    let v = vectors();
    let case = &v.cases[1];
    // Another (valid) certificate at the URL: the signature does not match.
    let other =
        Arc::new(InMemorySnsFetch::new().with_certificate(&v.cert_url, v.other_cert_pem.clone()));
    let verifier = SnsVerifier::new([v.topic_arn.clone()], other);
    assert_eq!(
        verifier.verify(case.body.as_bytes(), now()).await,
        Err(SnsError::BadSignature)
    );
    // Not a certificate, or nothing there.
    let html = Arc::new(InMemorySnsFetch::new().with_certificate(&v.cert_url, "<html>hi</html>"));
    let verifier = SnsVerifier::new([v.topic_arn.clone()], html);
    assert!(matches!(
        verifier.verify(case.body.as_bytes(), now()).await,
        Err(SnsError::Certificate(_))
    ));
    let empty = Arc::new(InMemorySnsFetch::new());
    let verifier = SnsVerifier::new([v.topic_arn.clone()], empty);
    assert!(matches!(
        verifier.verify(case.body.as_bytes(), now()).await,
        Err(SnsError::Certificate(m)) if m.contains("404")
    ));
    // Expired: the fixture certificate ends in 2099.
    let (_, verifier) = setup(&v);
    let verifier = verifier.with_max_age(SignedDuration::from_hours(24 * 365 * 200));
    let later: Timestamp = "2100-01-02T00:00:00Z".parse().unwrap();
    assert!(matches!(
        verifier.verify(case.body.as_bytes(), later).await,
        Err(SnsError::Certificate(m)) if m.contains("validity")
    ));
}

#[tokio::test]
async fn certificates_are_cached_and_failed_fetches_are_not() {
    let v = vectors();
    let (fetch, verifier) = setup(&v);
    fetch.set_unavailable(true);
    assert!(matches!(
        verifier.verify(v.cases[0].body.as_bytes(), now()).await,
        Err(SnsError::Unavailable(_))
    ));
    assert_eq!(verifier.cached_certificates(), 0);
    fetch.set_unavailable(false);
    for case in &v.cases {
        verifier.verify(case.body.as_bytes(), now()).await.unwrap();
    }
    assert_eq!(
        fetch.certificate_fetches(),
        2,
        "one failed, then one for all"
    );
    assert_eq!(verifier.cached_certificates(), 1);
    // Cached: it verifies while SNS is unreachable.
    fetch.set_unavailable(true);
    verifier
        .verify(v.cases[2].body.as_bytes(), now())
        .await
        .unwrap();
}

#[tokio::test]
async fn old_messages_and_unknown_signature_versions_are_refused() {
    let v = vectors();
    let (_, verifier) = setup(&v);
    let eight_days_later = now() + SignedDuration::from_hours(8 * 24);
    assert_eq!(
        verifier
            .verify(v.cases[0].body.as_bytes(), eight_days_later)
            .await,
        Err(SnsError::TooOld)
    );
    let six_days_later = now() + SignedDuration::from_hours(6 * 24);
    assert!(verifier
        .verify(v.cases[0].body.as_bytes(), six_days_later)
        .await
        .is_ok());
    let v3 = body_with(&v.cases[0], |m| {
        m.insert("SignatureVersion".into(), json!("3"));
    });
    assert_eq!(
        verifier.verify(&v3, now()).await,
        Err(SnsError::UnsupportedSignatureVersion("3".into()))
    );
    let unsigned = body_with(&v.cases[0], |m| {
        m.remove("Signature");
    });
    assert_eq!(
        verifier.verify(&unsigned, now()).await,
        Err(SnsError::Unsigned)
    );
}

#[tokio::test]
async fn a_verified_subscription_confirmation_visits_its_subscribe_url() {
    let v = vectors();
    let (fetch, verifier) = setup(&v);
    let case = v
        .cases
        .iter()
        .find(|c| c.name.starts_with("SubscriptionConfirmation"))
        .unwrap();
    let message = verifier.verify(case.body.as_bytes(), now()).await.unwrap();
    verifier.confirm(&message).await.unwrap();
    let body: Value = serde_json::from_str(&case.body).unwrap();
    assert_eq!(
        fetch.confirmed(),
        vec![body["SubscribeURL"].as_str().unwrap().to_string()]
    );
    // Only a SubscriptionConfirmation is confirmed.
    let unsubscribe = v
        .cases
        .iter()
        .find(|c| c.name.starts_with("UnsubscribeConfirmation"))
        .unwrap();
    let message = verifier
        .verify(unsubscribe.body.as_bytes(), now())
        .await
        .unwrap();
    assert!(verifier.confirm(&message).await.is_err());
    fetch.set_unavailable(true);
    let message = verifier.verify(case.body.as_bytes(), now()).await.unwrap();
    assert!(matches!(
        verifier.confirm(&message).await,
        Err(SnsError::Unavailable(_))
    ));
    assert_eq!(fetch.confirmed().len(), 1);
}
