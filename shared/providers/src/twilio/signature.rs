//! `X-Twilio-Signature`: base64 HMAC over the full URL Twilio requested,
//! followed by the POST parameters sorted by name, each name+value appended
//! (repeated names: every distinct value, sorted). HMAC-SHA1 with the auth
//! token, or HMAC-SHA256 when `X-Twilio-Webhooks-Signature-Settings` says
//! `algorithm=HMAC_SHA256`. As Twilio's own library, the URL is tried as
//! given, with its default port added and with its port removed (Twilio's
//! signing is inconsistent about ports). Comparison is constant-time.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use std::collections::{BTreeMap, BTreeSet};

pub const SIGNATURE_HEADER: &str = "x-twilio-signature";
pub const SETTINGS_HEADER: &str = "x-twilio-webhooks-signature-settings";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha1,
    Sha256,
}

impl Algorithm {
    /// The algorithm named by `X-Twilio-Webhooks-Signature-Settings`
    /// (`key=...,algorithm=HMAC_SHA256`); absent or without `algorithm=`
    /// is the classic HMAC-SHA1. `None`: an algorithm we do not know.
    pub fn from_settings_header(header: Option<&str>) -> Option<Self> {
        for part in header.unwrap_or("").split(',') {
            if let Some((name, value)) = part.split_once('=') {
                let value = value.trim();
                if name.trim() == "algorithm" && !value.is_empty() {
                    return match value.to_ascii_uppercase().as_str() {
                        "HMAC_SHA1" => Some(Algorithm::Sha1),
                        "HMAC_SHA256" => Some(Algorithm::Sha256),
                        _ => None,
                    };
                }
            }
        }
        Some(Algorithm::Sha1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Twilio-Signature header is missing")]
    Missing,
    #[error("the signature algorithm is not supported")]
    UnsupportedAlgorithm,
    #[error("the signature does not match")]
    Mismatch,
}

/// The signed text: the URL, then every name+value, sorted.
pub fn signing_input(url: &str, params: &[(String, String)]) -> String {
    let mut grouped: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, value) in params {
        grouped.entry(name).or_default().insert(value);
    }
    let mut s = String::from(url);
    for (name, values) in grouped {
        for value in values {
            s.push_str(name);
            s.push_str(value);
        }
    }
    s
}

fn mac_sha1(token: &str) -> Hmac<sha1::Sha1> {
    // HMAC takes keys of any length.
    Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).unwrap_or_else(|_| unreachable!())
}

fn mac_sha256(token: &str) -> Hmac<sha2::Sha256> {
    Hmac::<sha2::Sha256>::new_from_slice(token.as_bytes()).unwrap_or_else(|_| unreachable!())
}

/// The signature Twilio would send for this request.
pub fn compute(
    token: &str,
    url: &str,
    params: &[(String, String)],
    algorithm: Algorithm,
) -> String {
    let input = signing_input(url, params);
    let digest = match algorithm {
        Algorithm::Sha1 => {
            let mut mac = mac_sha1(token);
            mac.update(input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Algorithm::Sha256 => {
            let mut mac = mac_sha256(token);
            mac.update(input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    STANDARD.encode(digest)
}

fn matches(
    token: &str,
    url: &str,
    params: &[(String, String)],
    signature: &[u8],
    algorithm: Algorithm,
) -> bool {
    let input = signing_input(url, params);
    match algorithm {
        Algorithm::Sha1 => {
            let mut mac = mac_sha1(token);
            mac.update(input.as_bytes());
            mac.verify_slice(signature).is_ok()
        }
        Algorithm::Sha256 => {
            let mut mac = mac_sha256(token);
            mac.update(input.as_bytes());
            mac.verify_slice(signature).is_ok()
        }
    }
}

/// Checks a request's signature. `url` is the full public URL Twilio
/// requested (scheme, host, path and query), `params` the decoded form.
pub fn verify(
    token: &str,
    url: &str,
    params: &[(String, String)],
    signature: Option<&str>,
    settings_header: Option<&str>,
) -> Result<(), SignatureError> {
    let signature = signature
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(SignatureError::Missing)?;
    let algorithm = Algorithm::from_settings_header(settings_header)
        .ok_or(SignatureError::UnsupportedAlgorithm)?;
    let Ok(signature) = STANDARD.decode(signature) else {
        return Err(SignatureError::Mismatch);
    };
    let mut candidates = vec![url.to_string()];
    for variant in [with_port(url), without_port(url)].into_iter().flatten() {
        if !candidates.contains(&variant) {
            candidates.push(variant);
        }
    }
    // Every candidate is checked, so the time taken does not say which matched.
    let mut ok = false;
    for candidate in &candidates {
        ok |= matches(token, candidate, params, &signature, algorithm);
    }
    if ok {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// (scheme, authority, rest) of an absolute URL.
fn split(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, after) = url.split_once("://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    Some((scheme, &after[..end], &after[end..]))
}

/// The port in an authority, if any (`host:port`, `[v6]:port`).
fn port_start(authority: &str) -> Option<usize> {
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host = &authority[host_start..];
    let after_v6 = host.rfind(']').map_or(0, |i| i + 1);
    host[after_v6..]
        .rfind(':')
        .map(|i| host_start + after_v6 + i)
}

/// The URL with the scheme's default port written out; `None` if it has a port.
fn with_port(url: &str) -> Option<String> {
    let (scheme, authority, rest) = split(url)?;
    if port_start(authority).is_some() {
        return None;
    }
    let port = if scheme.eq_ignore_ascii_case("https") {
        443
    } else {
        80
    };
    Some(format!("{scheme}://{authority}:{port}{rest}"))
}

/// The URL without its port; `None` if it has none.
fn without_port(url: &str) -> Option<String> {
    let (scheme, authority, rest) = split(url)?;
    let at = port_start(authority)?;
    Some(format!("{scheme}://{}{rest}", &authority[..at]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_added_and_removed_like_twilios_library() {
        assert_eq!(
            with_port("https://example.com/a?b=1").as_deref(),
            Some("https://example.com:443/a?b=1")
        );
        assert_eq!(with_port("http://h/x").as_deref(), Some("http://h:80/x"));
        assert_eq!(with_port("http://h:8080/x"), None);
        assert_eq!(
            without_port("http://127.0.0.1:3000/v1").as_deref(),
            Some("http://127.0.0.1/v1")
        );
        assert_eq!(
            without_port("https://[::1]:8443/").as_deref(),
            Some("https://[::1]/")
        );
        assert_eq!(without_port("https://example.com/"), None);
        assert_eq!(with_port("not a url"), None);
    }

    #[test]
    fn algorithm_comes_from_the_settings_header() {
        assert_eq!(Algorithm::from_settings_header(None), Some(Algorithm::Sha1));
        assert_eq!(
            Algorithm::from_settings_header(Some("key=k1,algorithm=HMAC_SHA256")),
            Some(Algorithm::Sha256)
        );
        assert_eq!(
            Algorithm::from_settings_header(Some("key=k1")),
            Some(Algorithm::Sha1)
        );
        assert_eq!(
            Algorithm::from_settings_header(Some("algorithm=HMAC_MD5")),
            None
        );
    }

    #[test]
    fn a_missing_or_garbled_signature_is_refused() {
        let params = vec![("Body".to_string(), "STOP".to_string())];
        assert_eq!(
            verify("t", "https://x/", &params, None, None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify("t", "https://x/", &params, Some("%%%"), None),
            Err(SignatureError::Mismatch)
        );
        let good = compute("t", "https://x/", &params, Algorithm::Sha1);
        assert_eq!(
            verify("t", "https://x/", &params, Some(&good), None),
            Ok(())
        );
        assert_eq!(
            verify(
                "t",
                "https://x/",
                &params,
                Some(&good),
                Some("algorithm=NOPE")
            ),
            Err(SignatureError::UnsupportedAlgorithm)
        );
    }
}
