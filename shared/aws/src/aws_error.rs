//! One reading of an AWS SDK error for every adapter: its code, whether a
//! retry can help, and a summary fit for logs (email addresses and phone
//! numbers removed: AWS messages sometimes quote them).

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Error codes that mean "slow down", whatever the service.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "TransactionInProgressException",
    "TransactionConflictException",
    "SlowDown",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The service's error code, when the service answered.
    pub code: Option<String>,
    /// Throttling, a 5xx, a timeout or a network failure.
    pub retryable: bool,
    /// The request could not even be built (our own mistake).
    pub construction: bool,
    /// Code and message, scrubbed of personal data.
    pub summary: String,
}

impl Failure {
    pub(crate) fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

pub(crate) fn classify<E>(error: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match error {
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let code = context.err().code().map(str::to_string);
            let message = context.err().message().unwrap_or("no message");
            let retryable = status >= 500
                || code
                    .as_deref()
                    .is_some_and(|c| THROTTLING_CODES.contains(&c));
            Failure {
                summary: redact_personal_data(&format!(
                    "{} (HTTP {status}): {message}",
                    code.as_deref().unwrap_or("unknown error")
                )),
                code,
                retryable,
                construction: false,
            }
        }
        SdkError::ConstructionFailure(_) => Failure {
            code: None,
            retryable: false,
            construction: true,
            summary: redact_personal_data(&format!(
                "request not built: {}",
                DisplayErrorContext(error)
            )),
        },
        // Timeouts, connection failures, unreadable responses: transient.
        _ => Failure {
            code: None,
            retryable: true,
            construction: false,
            summary: redact_personal_data(&DisplayErrorContext(error).to_string()),
        },
    }
}

/// `text` with every word that looks like an email address or a phone
/// number replaced by `<redacted>`.
pub(crate) fn redact_personal_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if looks_personal(word) {
            out.push_str("<redacted>");
        } else {
            out.push_str(word);
        }
    }
    out
}

fn looks_personal(word: &str) -> bool {
    if word.contains('@') {
        return true;
    }
    let trimmed = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '+');
    let digits = trimmed.bytes().filter(u8::is_ascii_digit).count();
    trimmed.starts_with('+') && digits >= 7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_phone_numbers_are_redacted() {
        let text = "Email address is not verified: ada@example.com, <bob@x.org>; call +14155550123. Code 500 +1";
        let redacted = redact_personal_data(text);
        assert_eq!(
            redacted,
            "Email address is not verified: <redacted> <redacted> call <redacted> Code 500 +1"
        );
    }
}
