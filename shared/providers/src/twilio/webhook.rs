//! Twilio's webhook requests: `application/x-www-form-urlencoded` bodies
//! (status callbacks, inbound SMS) and the TwiML answer.

use myx_engine::webhooks::{SmsDeliveryStatus, SmsStatusUpdate};
use percent_encoding::percent_decode;

pub const INBOUND_PATH: &str = "/v1/webhooks/twilio/inbound";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The body is not a well-formed form (→ 400).
    #[error("malformed form body: {0}")]
    Malformed(String),
    /// A required parameter is missing or empty (→ 400).
    #[error("the form has no {0}")]
    Missing(&'static str),
    /// A value we do not know, e.g. a new MessageStatus (→ 422).
    #[error("unknown {field} {value:?}")]
    Unknown { field: &'static str, value: String },
}

/// Decodes a form body into (name, value) pairs in order (repeated names
/// kept). Bytes outside ASCII, or escapes that decode to invalid UTF-8,
/// are malformed.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, WebhookError> {
    if !body.is_ascii() {
        return Err(WebhookError::Malformed(
            "a form body is ASCII (non-ASCII text is percent-encoded)".into(),
        ));
    }
    let decode = |part: &[u8]| -> Result<String, WebhookError> {
        let plus_as_space: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_decode(&plus_as_space)
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|_| WebhookError::Malformed("an escape decodes to invalid UTF-8".into()))
    };
    let mut out = Vec::new();
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        out.push((decode(name)?, decode(value)?));
    }
    Ok(out)
}

/// The first value of `name`.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn required<'a>(
    params: &'a [(String, String)],
    name: &'static str,
) -> Result<&'a str, WebhookError> {
    param(params, name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(WebhookError::Missing(name))
}

/// `name`, or its older alias.
fn either<'a>(
    params: &'a [(String, String)],
    name: &'static str,
    alias: &'static str,
) -> Result<&'a str, WebhookError> {
    required(params, name)
        .or_else(|_| required(params, alias).map_err(|_| WebhookError::Missing(name)))
}

/// A status callback: `MessageSid` (or `SmsSid`), `MessageStatus` (or
/// `SmsStatus`), and `ErrorCode` when it failed.
pub fn status_update(params: &[(String, String)]) -> Result<SmsStatusUpdate, WebhookError> {
    let sid = either(params, "MessageSid", "SmsSid")?;
    let status = either(params, "MessageStatus", "SmsStatus")?;
    let status = SmsDeliveryStatus::parse(&status.to_ascii_lowercase()).ok_or_else(|| {
        WebhookError::Unknown {
            field: "MessageStatus",
            value: status.chars().take(40).collect(),
        }
    })?;
    let error_code = param(params, "ErrorCode")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    Ok(SmsStatusUpdate {
        message_sid: sid.to_string(),
        status,
        error_code,
        // In the callback URL's query, not the form: the route sets it.
        send_ref: None,
    })
}

/// An inbound SMS. `Debug` leaves out the number and the text.
#[derive(Clone, PartialEq, Eq)]
pub struct InboundSms {
    pub message_sid: String,
    /// E.164, as Twilio sends it.
    pub from: String,
    /// Our number it was sent to.
    pub to: Option<String>,
    pub body: String,
}

impl std::fmt::Debug for InboundSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundSms")
            .field("message_sid", &self.message_sid)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

pub fn inbound(params: &[(String, String)]) -> Result<InboundSms, WebhookError> {
    let sid = either(params, "MessageSid", "SmsSid")?;
    Ok(InboundSms {
        message_sid: sid.to_string(),
        from: required(params, "From")?.to_string(),
        to: param(params, "To").map(str::to_string),
        body: param(params, "Body").unwrap_or("").to_string(),
    })
}

/// The TwiML answer: `<Response/>`, or one `<Message>` (the HELP text).
pub fn twiml(reply: Option<&str>) -> String {
    match reply {
        None => r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#.to_string(),
        Some(text) => format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>{}</Message></Response>"#,
            xml_escape(text)
        ),
    }
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_plus_and_escapes_and_keep_repeats() {
        let p = parse_form(b"Body=Hello+w%C3%B6rld%21&To=%2B1555&Flag&To=%2B1666&").unwrap();
        assert_eq!(
            p,
            vec![
                ("Body".into(), "Hello wörld!".into()),
                ("To".into(), "+1555".into()),
                ("Flag".into(), String::new()),
                ("To".into(), "+1666".into()),
            ]
        );
        assert!(parse_form(b"").unwrap().is_empty());
    }

    #[test]
    fn garbage_forms_are_malformed() {
        assert!(matches!(
            parse_form("Body=é".as_bytes()),
            Err(WebhookError::Malformed(_))
        ));
        assert!(matches!(
            parse_form(b"Body=%FF%FE"),
            Err(WebhookError::Malformed(_))
        ));
        assert!(matches!(
            parse_form(&[0x80, b'=', b'1']),
            Err(WebhookError::Malformed(_))
        ));
    }

    #[test]
    fn status_callbacks_parse_and_unknown_statuses_are_named() {
        let p = parse_form(b"MessageSid=SM1&MessageStatus=undelivered&ErrorCode=30003").unwrap();
        let u = status_update(&p).unwrap();
        assert_eq!(u.message_sid, "SM1");
        assert_eq!(u.status, SmsDeliveryStatus::Undelivered);
        assert_eq!(u.error_code.as_deref(), Some("30003"));
        let p = parse_form(b"MessageSid=SM1&MessageStatus=teleported").unwrap();
        assert!(matches!(
            status_update(&p),
            Err(WebhookError::Unknown { .. })
        ));
        let p = parse_form(b"MessageStatus=delivered").unwrap();
        assert_eq!(status_update(&p), Err(WebhookError::Missing("MessageSid")));
    }

    #[test]
    fn twiml_escapes_the_reply() {
        assert!(twiml(None).ends_with("<Response/>"));
        let t = twiml(Some("A&B <Co>: reply STOP"));
        assert!(
            t.contains("<Message>A&amp;B &lt;Co&gt;: reply STOP</Message>"),
            "{t}"
        );
    }

    #[test]
    fn inbound_debug_leaves_out_number_and_text() {
        let p = parse_form(b"MessageSid=SM9&From=%2B14155550123&Body=secret+words").unwrap();
        let m = inbound(&p).unwrap();
        assert_eq!(m.from, "+14155550123");
        let d = format!("{m:?}");
        assert!(!d.contains("4155550123") && !d.contains("secret"), "{d}");
    }
}
