use crate::common::ts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use myx_compose::unsubscribe::{
    check_one_click_url, issue, unsubscribe_url, verify, KeyError, LinkError,
};
use myx_compose::{Claims, Scope, TokenError, UnsubscribeKey};
use myx_core::Channel;
use sha2::Sha256;

fn key() -> UnsubscribeKey {
    UnsubscribeKey::new(*b"0123456789abcdef0123456789abcdef").unwrap()
}

fn other_key() -> UnsubscribeKey {
    UnsubscribeKey::new(*b"fedcba9876543210fedcba9876543210").unwrap()
}

fn claims(scope: Scope) -> Claims {
    Claims {
        tenant_id: "tenant-1".into(),
        contact_id: "0190f1c2-aaaa-7bbb-8ccc-123456789abc".into(),
        scope,
        issued_at: ts("2026-12-01T09:30:00Z"),
    }
}

fn parts(token: &str) -> Vec<String> {
    token.split('.').map(str::to_string).collect()
}

/// Signs `1.<kid>.<payload>` as the token format documents.
fn sign(kid: &str, payload: &str) -> String {
    let signed = format!("1.{kid}.{}", URL_SAFE_NO_PAD.encode(payload));
    let mut mac = Hmac::<Sha256>::new_from_slice(b"0123456789abcdef0123456789abcdef").unwrap();
    mac.update(signed.as_bytes());
    format!(
        "{signed}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

#[test]
fn tokens_round_trip_for_every_scope() {
    for scope in [
        Scope::Channel(Channel::Email),
        Scope::Channel(Channel::Sms),
        Scope::All,
    ] {
        let token = issue(&key(), &claims(scope));
        assert_eq!(verify(&key(), &token), Ok(claims(scope)), "{token}");
    }
}

#[test]
fn tokens_are_url_safe_and_stand_unchanged_in_the_link() {
    let token = issue(&key(), &claims(Scope::All));
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')),
        "{token}"
    );
    let link = unsubscribe_url("https://api.example.com", &token).unwrap();
    assert_eq!(
        link,
        format!("https://api.example.com/v1/unsubscribe?token={token}")
    );
    let parsed = url::Url::parse(&link).unwrap();
    let (name, value) = parsed.query_pairs().next().unwrap();
    assert_eq!((name.as_ref(), value.as_ref()), ("token", token.as_str()));
}

#[test]
fn issue_time_keeps_whole_seconds() {
    let mut c = claims(Scope::All);
    c.issued_at = ts("2026-12-01T09:30:00.987654Z");
    let got = verify(&key(), &issue(&key(), &c)).unwrap();
    assert_eq!(got.issued_at, ts("2026-12-01T09:30:00Z"));
}

#[test]
fn a_token_signed_with_another_key_is_refused_as_such() {
    let token = issue(&other_key(), &claims(Scope::All));
    assert_eq!(verify(&key(), &token), Err(TokenError::WrongKey));
}

#[test]
fn changed_claims_are_detected() {
    let token = issue(&key(), &claims(Scope::Channel(Channel::Sms)));
    let p = parts(&token);
    let forged_payload =
        URL_SAFE_NO_PAD.encode(r#"{"c":"someone-else","iat":1796117400,"s":"all","t":"tenant-1"}"#);
    let forged = format!("{}.{}.{}.{}", p[0], p[1], forged_payload, p[3]);
    assert_eq!(verify(&key(), &forged), Err(TokenError::BadSignature));
}

#[test]
fn a_changed_signature_is_detected() {
    let token = issue(&key(), &claims(Scope::All));
    let p = parts(&token);
    let mut signature: Vec<u8> = p[3].bytes().collect();
    signature[10] = if signature[10] == b'A' { b'B' } else { b'A' };
    let tampered = format!(
        "{}.{}.{}.{}",
        p[0],
        p[1],
        p[2],
        String::from_utf8(signature).unwrap()
    );
    assert_eq!(verify(&key(), &tampered), Err(TokenError::BadSignature));
}

#[test]
fn every_truncation_is_reported_as_truncated() {
    let token = issue(&key(), &claims(Scope::All));
    for len in 1..token.len() {
        assert_eq!(
            verify(&key(), &token[..len]),
            Err(TokenError::Truncated),
            "prefix of {len} bytes: {}",
            &token[..len]
        );
    }
}

#[test]
fn garbage_is_refused_without_panicking() {
    let signature = "A".repeat(43);
    let cases = [
        String::new(),
        "   ".into(),
        "hello".into(),
        "not a token".into(),
        "<script>alert(1)</script>".into(),
        "1.a.b.c.d".into(),
        "1....".into(),
        "x.AAAAAAAA.AAAA.AAAA".into(),
        format!("1.AAAAAAAA.%%%%.{signature}"),
        format!("1.AAAA.AAAA.{signature}"),
        format!("1.AAAAAAAA.AAAA.{signature}AA"),
        format!("1.AAAAAAAA.A.{signature}"),
        "ünïcödé".into(),
        "a".repeat(5000),
    ];
    for garbage in &cases {
        assert_eq!(
            verify(&key(), garbage),
            Err(TokenError::Malformed),
            "{garbage:?}"
        );
    }
}

#[test]
fn a_future_version_is_named() {
    let token = issue(&key(), &claims(Scope::All));
    let v2 = format!("2{}", &token[1..]);
    assert_eq!(
        verify(&key(), &v2),
        Err(TokenError::UnsupportedVersion("2".into()))
    );
}

#[test]
fn signed_but_invalid_claims_are_reported() {
    let kid = parts(&issue(&key(), &claims(Scope::All)))[1].clone();
    let unknown_scope = sign(&kid, r#"{"t":"a","c":"b","s":"fax","iat":1}"#);
    assert!(matches!(
        verify(&key(), &unknown_scope),
        Err(TokenError::InvalidClaims(m)) if m.contains("fax")
    ));
    let missing_field = sign(&kid, r#"{"t":"a","s":"all","iat":1}"#);
    assert!(matches!(
        verify(&key(), &missing_field),
        Err(TokenError::InvalidClaims(_))
    ));
    let valid = sign(&kid, r#"{"t":"a","c":"b","s":"email","iat":1}"#);
    assert_eq!(
        verify(&key(), &valid),
        Ok(Claims {
            tenant_id: "a".into(),
            contact_id: "b".into(),
            scope: Scope::Channel(Channel::Email),
            issued_at: ts("1970-01-01T00:00:01Z"),
        })
    );
}

#[test]
fn errors_read_clearly() {
    assert_eq!(
        TokenError::WrongKey.to_string(),
        "the unsubscribe token was signed with another key"
    );
    assert!(TokenError::BadSignature.to_string().contains("tampered"));
    assert!(TokenError::Truncated.to_string().contains("truncated"));
}

#[test]
fn keys_must_be_long_enough_and_never_show() {
    assert_eq!(
        UnsubscribeKey::new(vec![1u8; 31]).unwrap_err(),
        KeyError::TooShort { min: 32, got: 31 }
    );
    let k = UnsubscribeKey::new(*b"super-secret-super-secret-123456").unwrap();
    assert!(!format!("{k:?}").contains("super-secret"));
}

#[test]
fn links_keep_a_base_path_and_drop_query_and_fragment() {
    for base in [
        "https://example.com/api",
        "https://example.com/api/",
        "https://example.com/api?x=1#top",
    ] {
        assert_eq!(
            unsubscribe_url(base, "1.a.b.c").unwrap(),
            "https://example.com/api/v1/unsubscribe?token=1.a.b.c",
            "{base}"
        );
    }
}

#[test]
fn links_must_be_https_except_on_loopback() {
    assert_eq!(
        unsubscribe_url("http://example.com", "t"),
        Err(LinkError::NotHttps("http://example.com".into()))
    );
    assert!(matches!(
        unsubscribe_url("ftp://example.com", "t"),
        Err(LinkError::NotHttps(_))
    ));
    assert!(matches!(
        unsubscribe_url("not a url", "t"),
        Err(LinkError::InvalidUrl { .. })
    ));
    assert_eq!(
        unsubscribe_url("http://localhost:8080", "t").unwrap(),
        "http://localhost:8080/v1/unsubscribe?token=t"
    );
    assert!(unsubscribe_url("http://127.0.0.1:8080", "t").is_ok());
    assert!(unsubscribe_url("http://[::1]:8080", "t").is_ok());
}

#[test]
fn one_click_links_are_checked() {
    assert!(check_one_click_url("https://example.com/v1/unsubscribe?token=x").is_ok());
    assert!(matches!(
        check_one_click_url("http://example.com/u"),
        Err(LinkError::NotHttps(_))
    ));
    assert!(matches!(
        check_one_click_url("https://example.com/u?t=a b"),
        Err(LinkError::InvalidUrl { .. })
    ));
    assert!(matches!(
        check_one_click_url("https://example.com/u>, <https://evil.example"),
        Err(LinkError::InvalidUrl { .. })
    ));
}
