//! Where we are willing to go for SNS: the signing certificate and the
//! subscription confirmation, only over HTTPS and only on an SNS endpoint
//! `sns.<region>.amazonaws.com` (or `.amazonaws.com.cn`), on the default
//! port, without credentials. The URLs come inside the message, so a
//! forger would otherwise choose them (their own certificate, or a request
//! to anywhere from our network).

use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not a URL")]
    NotAUrl,
    #[error("not https")]
    NotHttps,
    #[error("not an SNS host (sns.<region>.amazonaws.com)")]
    NotSnsHost,
    #[error("a port, credentials or a fragment are not allowed")]
    Unexpected,
    #[error("not a certificate path (…/*.pem, no query)")]
    NotCertificatePath,
    #[error("not a ConfirmSubscription request")]
    NotConfirmSubscription,
}

/// An AWS region name: letters, digits and dashes, starting with a letter,
/// with at least one dash (us-east-1, eu-central-2, us-gov-west-1, cn-north-1).
fn is_region(s: &str) -> bool {
    s.len() >= 3
        && s.len() <= 32
        && s.contains('-')
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `sns.<region>.amazonaws.com` or `sns.<region>.amazonaws.com.cn`,
/// exactly (no other label before or after).
pub fn is_sns_host(host: &str) -> bool {
    let Some(rest) = host.strip_prefix("sns.") else {
        return false;
    };
    let region = rest
        .strip_suffix(".amazonaws.com")
        .or_else(|| rest.strip_suffix(".amazonaws.com.cn"));
    region.is_some_and(is_region)
}

/// An https URL on an SNS host, default port, no credentials or fragment.
fn sns_https(text: &str) -> Result<Url, UrlError> {
    let url = Url::parse(text.trim()).map_err(|_| UrlError::NotAUrl)?;
    if url.scheme() != "https" {
        return Err(UrlError::NotHttps);
    }
    // `url` lowercases the host, decodes escapes and drops the default
    // port, so what is checked is what a client would connect to.
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_string(),
        _ => return Err(UrlError::NotSnsHost),
    };
    if !is_sns_host(&host) {
        return Err(UrlError::NotSnsHost);
    }
    if url.port().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.fragment().is_some()
    {
        return Err(UrlError::Unexpected);
    }
    Ok(url)
}

/// A `SigningCertURL` we may fetch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertUrl(Url);

impl CertUrl {
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let url = sns_https(text)?;
        if !url.path().ends_with(".pem") || url.query().is_some() {
            return Err(UrlError::NotCertificatePath);
        }
        Ok(CertUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The SNS host (for logs: the URL itself is not secret, but short is kind).
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }
}

/// A `SubscribeURL` we may request to confirm a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeUrl(Url);

impl SubscribeUrl {
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let url = sns_https(text)?;
        let confirm = url
            .query_pairs()
            .any(|(k, v)| k == "Action" && v == "ConfirmSubscription");
        if !confirm {
            return Err(UrlError::NotConfirmSubscription);
        }
        Ok(SubscribeUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str =
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem";

    #[test]
    fn sns_certificate_urls_are_allowed() {
        for ok in [
            CERT,
            "https://sns.eu-central-2.amazonaws.com/SimpleNotificationService-a.pem",
            "https://sns.us-gov-west-1.amazonaws.com/x.pem",
            "https://sns.cn-north-1.amazonaws.com.cn/x.pem",
            "https://SNS.US-EAST-1.AMAZONAWS.COM/x.pem",
            "https://sns.us-east-1.amazonaws.com:443/x.pem",
        ] {
            assert!(CertUrl::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_its_reason() {
        for (bad, why) in [
            (
                "http://sns.us-east-1.amazonaws.com/x.pem",
                UrlError::NotHttps,
            ),
            (
                "ftp://sns.us-east-1.amazonaws.com/x.pem",
                UrlError::NotHttps,
            ),
            ("file:///etc/x.pem", UrlError::NotHttps),
            ("https://evil.example/x.pem", UrlError::NotSnsHost),
            (
                "https://sns.us-east-1.amazonaws.com.evil.example/x.pem",
                UrlError::NotSnsHost,
            ),
            (
                "https://sns.us-east-1.amazonaws.com%2Eevil.example/x.pem",
                UrlError::NotSnsHost,
            ),
            (
                "https://sns.us-east-1.amazonaws.com./x.pem",
                UrlError::NotSnsHost,
            ),
            (
                "https://evilsns.us-east-1.amazonaws.com/x.pem",
                UrlError::NotSnsHost,
            ),
            (
                "https://s3.us-east-1.amazonaws.com/x.pem",
                UrlError::NotSnsHost,
            ),
            ("https://sns.amazonaws.com/x.pem", UrlError::NotSnsHost),
            ("https://sns.evil.amazonaws.com/x.pem", UrlError::NotSnsHost),
            (
                "https://sns.us-east-1.evil.amazonaws.com/x.pem",
                UrlError::NotSnsHost,
            ),
            (
                "https://sns.us-east-1.amazonaws.co/x.pem",
                UrlError::NotSnsHost,
            ),
            ("https://54.239.28.85/x.pem", UrlError::NotSnsHost),
            ("https://[::1]/x.pem", UrlError::NotSnsHost),
            (
                "https://sns.us-east-1.amazonaws.com@evil.example/x.pem",
                UrlError::NotSnsHost,
            ),
            (
                "https://evil.example@sns.us-east-1.amazonaws.com/x.pem",
                UrlError::Unexpected,
            ),
            (
                "https://sns.us-east-1.amazonaws.com:8443/x.pem",
                UrlError::Unexpected,
            ),
            (
                "https://sns.us-east-1.amazonaws.com/x.pem#f",
                UrlError::Unexpected,
            ),
            (
                "https://sns.us-east-1.amazonaws.com/x.txt",
                UrlError::NotCertificatePath,
            ),
            (
                "https://sns.us-east-1.amazonaws.com/x.pem?redirect=evil",
                UrlError::NotCertificatePath,
            ),
            ("not a url", UrlError::NotAUrl),
            ("", UrlError::NotAUrl),
        ] {
            assert_eq!(CertUrl::parse(bad), Err(why), "{bad}");
        }
    }

    #[test]
    fn subscribe_urls_must_confirm_a_subscription_on_sns() {
        let ok = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:t&Token=abc";
        assert_eq!(SubscribeUrl::parse(ok).unwrap().as_str(), ok);
        for (bad, why) in [
            (
                "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&Token=abc",
                UrlError::NotConfirmSubscription,
            ),
            (
                "http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
                UrlError::NotHttps,
            ),
            (
                "https://sns.us-east-1.amazonaws.com.evil.example/?Action=ConfirmSubscription",
                UrlError::NotSnsHost,
            ),
            (
                "https://169.254.169.254/?Action=ConfirmSubscription",
                UrlError::NotSnsHost,
            ),
        ] {
            assert_eq!(SubscribeUrl::parse(bad), Err(why), "{bad}");
        }
    }
}
