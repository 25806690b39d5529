//! The one-click unsubscribe link: `<public base>/v1/unsubscribe?token=...`.
//!
//! RFC 8058 requires an HTTPS URI for one-click unsubscribe; plain HTTP is
//! accepted only for loopback hosts (local mode).

use url::{Host, Url};

pub const UNSUBSCRIBE_PATH: [&str; 2] = ["v1", "unsubscribe"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("{url:?} is not a valid URL: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("{0:?} must use https (RFC 8058)")]
    NotHttps(String),
}

/// The unsubscribe link for `token` under `public_base` (which may carry a
/// path prefix, e.g. `https://example.com/api`; any query or fragment is
/// dropped).
pub fn unsubscribe_url(public_base: &str, token: &str) -> Result<String, LinkError> {
    let mut url = Url::parse(public_base).map_err(|e| LinkError::InvalidUrl {
        url: public_base.to_string(),
        reason: e.to_string(),
    })?;
    if !is_one_click_scheme(&url) {
        return Err(LinkError::NotHttps(public_base.to_string()));
    }
    url.set_fragment(None);
    url.set_query(None);
    url.path_segments_mut()
        .map_err(|()| LinkError::InvalidUrl {
            url: public_base.to_string(),
            reason: "it cannot have a path".into(),
        })?
        .pop_if_empty()
        .extend(UNSUBSCRIBE_PATH);
    url.query_pairs_mut().append_pair("token", token);
    Ok(url.into())
}

/// Checks that `link` can be a one-click unsubscribe link (RFC 8058): an
/// absolute https URL (http on a loopback host), written in URL-safe ASCII
/// so it can stand between angle brackets in a header.
pub fn check_one_click_url(link: &str) -> Result<(), LinkError> {
    let url = Url::parse(link).map_err(|e| LinkError::InvalidUrl {
        url: link.to_string(),
        reason: e.to_string(),
    })?;
    let plain = link
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"'));
    if !plain {
        return Err(LinkError::InvalidUrl {
            url: link.to_string(),
            reason: "it holds spaces, quotes, angle brackets or non-ASCII characters".into(),
        });
    }
    if is_one_click_scheme(&url) {
        Ok(())
    } else {
        Err(LinkError::NotHttps(link.to_string()))
    }
}

fn is_one_click_scheme(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => is_loopback(url),
        _ => false,
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
