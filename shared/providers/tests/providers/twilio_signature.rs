//! `X-Twilio-Signature` against vectors computed by Twilio's official
//! Python library (fixtures/twilio/make_vectors.py), plus forgeries.

use myx_providers::twilio::signature::{compute, verify, Algorithm, SignatureError};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    token: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    url: String,
    params: Vec<(String, String)>,
    algorithm: String,
    signature: String,
}

fn vectors() -> Vectors {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/twilio/vectors.json"
    ))
    .expect("vectors.json (run make_vectors.py)");
    serde_json::from_str(&text).expect("vectors parse")
}

fn settings(case: &Case) -> Option<String> {
    (case.algorithm != "HMAC_SHA1").then(|| format!("key=k1,algorithm={}", case.algorithm))
}

#[test]
fn every_vector_from_twilios_library_verifies() {
    let v = vectors();
    assert!(v.cases.len() >= 8, "the fixture holds every case");
    for case in &v.cases {
        assert_eq!(
            verify(
                &v.token,
                &case.url,
                &case.params,
                Some(&case.signature),
                settings(case).as_deref()
            ),
            Ok(()),
            "{}",
            case.name
        );
    }
}

#[test]
fn we_compute_the_same_signatures_as_twilios_library() {
    let v = vectors();
    for case in v.cases.iter().filter(|c| !c.name.contains("default port")) {
        let algorithm = if case.algorithm == "HMAC_SHA256" {
            Algorithm::Sha256
        } else {
            Algorithm::Sha1
        };
        assert_eq!(
            compute(&v.token, &case.url, &case.params, algorithm),
            case.signature,
            "{}",
            case.name
        );
    }
}

#[test]
fn a_wrong_token_is_refused() {
    let v = vectors();
    for case in &v.cases {
        assert_eq!(
            verify(
                "0000000000000000000000000000000f",
                &case.url,
                &case.params,
                Some(&case.signature),
                settings(case).as_deref()
            ),
            Err(SignatureError::Mismatch),
            "{}",
            case.name
        );
    }
}

#[test]
fn a_tampered_parameter_is_refused() {
    let v = vectors();
    for case in v.cases.iter().filter(|c| !c.params.is_empty()) {
        let mut params = case.params.clone();
        params[0].1.push('x');
        assert_eq!(
            verify(
                &v.token,
                &case.url,
                &params,
                Some(&case.signature),
                settings(case).as_deref()
            ),
            Err(SignatureError::Mismatch),
            "{}",
            case.name
        );
        // An added parameter is a change too.
        let mut added = case.params.clone();
        added.push(("Body".into(), "START".into()));
        assert_eq!(
            verify(
                &v.token,
                &case.url,
                &added,
                Some(&case.signature),
                settings(case).as_deref()
            ),
            Err(SignatureError::Mismatch),
            "{} (+Body)",
            case.name
        );
    }
}

#[test]
fn a_different_url_is_refused() {
    let v = vectors();
    for case in &v.cases {
        let swapped_path = if case.url.contains("/status") {
            case.url.replace("/status", "/inbound")
        } else {
            case.url.replace("/inbound", "/status")
        };
        let swapped_scheme = match case.url.strip_prefix("https://") {
            Some(rest) => format!("http://{rest}"),
            None => case.url.replacen("http://", "https://", 1),
        };
        for other in [
            swapped_path,
            swapped_scheme,
            case.url.replace("myx.example.com", "evil.example.com"),
            case.url.replace("127.0.0.1:3000", "127.0.0.1:3001"),
            format!("{}?x=1", case.url),
        ] {
            if other == case.url {
                continue;
            }
            assert_eq!(
                verify(
                    &v.token,
                    &other,
                    &case.params,
                    Some(&case.signature),
                    settings(case).as_deref()
                ),
                Err(SignatureError::Mismatch),
                "{} at {other}",
                case.name
            );
        }
    }
}

#[test]
fn the_algorithm_must_match_the_signature() {
    let v = vectors();
    let case = v
        .cases
        .iter()
        .find(|c| c.algorithm == "HMAC_SHA256")
        .expect("an HMAC-SHA256 case");
    assert_eq!(
        verify(
            &v.token,
            &case.url,
            &case.params,
            Some(&case.signature),
            None
        ),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify(
            &v.token,
            &case.url,
            &case.params,
            None,
            settings(case).as_deref()
        ),
        Err(SignatureError::Missing)
    );
}
