//! The `List-Unsubscribe` (RFC 2369) and `List-Unsubscribe-Post`
//! (RFC 8058, one-click) headers.

use super::EmailError;

pub const LIST_UNSUBSCRIBE: &str = "List-Unsubscribe";
pub const LIST_UNSUBSCRIBE_POST: &str = "List-Unsubscribe-Post";
/// The only value RFC 8058 allows for `List-Unsubscribe-Post`.
pub const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

/// The two headers; `url` must already be a checked https link.
pub(crate) fn headers(
    url: &str,
    mailto: Option<&str>,
) -> Result<Vec<(String, String)>, EmailError> {
    let mut value = format!("<{url}>");
    if let Some(mailto) = mailto {
        check_mailto(mailto)?;
        value.push_str(&format!(", <{mailto}>"));
    }
    Ok(vec![
        (LIST_UNSUBSCRIBE.to_string(), value),
        (LIST_UNSUBSCRIBE_POST.to_string(), ONE_CLICK.to_string()),
    ])
}

/// A mailto URI that can sit between angle brackets in a header list.
fn check_mailto(mailto: &str) -> Result<(), EmailError> {
    let bad = || EmailError::BadUnsubscribeMailto(mailto.to_string());
    let url = url::Url::parse(mailto).map_err(|_| bad())?;
    let plain = mailto
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b',' | b'"'));
    if url.scheme() != "mailto" || !plain || !url.path().contains('@') {
        return Err(bad());
    }
    Ok(())
}
