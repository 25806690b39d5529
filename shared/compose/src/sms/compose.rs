//! The body as sent: identified by the sender's business name, and with
//! opt-out instructions on the first message to a contact (TCPA / CTIA).

/// Appended to the first message sent to a contact.
pub const OPT_OUT_TEXT: &str = "Reply STOP to opt out";

/// `rendered_body` prefixed with `"<business name>: "` (unless it already
/// starts with the name) and, on the first message to the contact, followed
/// by a line with [`OPT_OUT_TEXT`] (unless it already says "reply STOP").
pub fn compose_sms(
    rendered_body: &str,
    business_name: &str,
    is_first_message_to_contact: bool,
) -> String {
    let body = rendered_body.trim();
    let name = business_name.trim();
    let mut out = if name.is_empty() || starts_with_ignore_case(body, name) {
        body.to_string()
    } else {
        format!("{name}: {body}")
    };
    if is_first_message_to_contact && !out.to_lowercase().contains("reply stop") {
        out.push('\n');
        out.push_str(OPT_OUT_TEXT);
    }
    out
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.to_lowercase().starts_with(&prefix.to_lowercase())
}
