//! Twilio error codes that say the number itself will not take the message:
//! retrying cannot help. Descriptions are ours, so a message never carries
//! Twilio's text (which repeats the phone number).

/// What a Twilio error code means, for codes we know.
pub fn describe(code: u32) -> Option<&'static str> {
    Some(match code {
        21211 => "invalid 'To' phone number",
        21214 => "'To' phone number cannot be reached",
        21217 => "phone number does not appear to be valid",
        21408 => "sending to this region is not enabled on the account",
        21606 => "the 'From' number cannot send this message",
        21608 => "unverified 'To' number on a trial account",
        21610 => "the recipient has opted out (replied STOP)",
        21612 => "the 'To' number cannot receive this message",
        21614 => "'To' number is not a mobile number",
        30003 => "unreachable destination handset",
        30004 => "message blocked",
        30005 => "unknown destination handset",
        30006 => "landline or unreachable carrier",
        30007 => "carrier filtering",
        30008 => "unknown delivery error",
        _ => return None,
    })
}

/// The number is invalid, unreachable or opted out: the send is permanent.
/// (Any other 4xx is permanent as well; this names the cases worth
/// suppressing the number for.)
pub fn number_is_unusable(code: u32) -> bool {
    matches!(code, 21211 | 21214 | 21217 | 21408 | 21610 | 21612 | 21614)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_codes_are_known_and_unusable() {
        for code in [21211, 21614, 21610, 21612, 21408] {
            assert!(number_is_unusable(code), "{code}");
            assert!(describe(code).is_some(), "{code}");
        }
        assert!(!number_is_unusable(20429));
        assert!(describe(1).is_none());
    }
}
