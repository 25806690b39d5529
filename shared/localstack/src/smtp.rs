//! An optional SMTP relay for people who want real mail locally (MailHog,
//! Mailpit, a local Postfix): the same MIME message as the `.eml` file,
//! sent with lettre's SMTP client. Plain SMTP only: it is meant for a relay
//! on this machine, not for the internet.

use lettre::address::Envelope;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use myx_engine::{OutgoingEmail, SendError};

#[derive(Clone)]
pub struct SmtpRelay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid SMTP relay {0:?}: expected smtp://host:port")]
pub struct RelayUrlError(String);

impl SmtpRelay {
    /// `smtp://host:port` (port defaults to 25).
    pub fn from_url(url: &str) -> Result<Self, RelayUrlError> {
        let err = || RelayUrlError(url.to_string());
        let rest = url.strip_prefix("smtp://").ok_or_else(err)?;
        let (host, port) = match rest.trim_end_matches('/').rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| err())?),
            None => (rest.trim_end_matches('/'), 25),
        };
        if host.is_empty() {
            return Err(err());
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        Ok(SmtpRelay { transport })
    }

    /// Relays `raw` (the complete MIME message). Connection problems and 4xx
    /// replies are transient; 5xx replies and bad addresses are permanent.
    pub async fn send(&self, email: &OutgoingEmail, raw: &[u8]) -> Result<(), SendError> {
        let from: Address = bare_address(&email.from)
            .parse()
            .map_err(|e| SendError::Permanent(format!("sender address: {e}")))?;
        let to: Address = email
            .to
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient address: {e}")))?;
        let envelope =
            Envelope::new(Some(from), vec![to]).map_err(|e| SendError::Permanent(e.to_string()))?;
        self.transport
            .send_raw(&envelope, raw)
            .await
            .map(|_| ())
            .map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(format!("SMTP relay refused the message: {e}"))
                } else {
                    SendError::Transient(format!("SMTP relay: {e}"))
                }
            })
    }
}

/// `Name <a@b>` → `a@b`.
fn bare_address(s: &str) -> &str {
    match (s.find('<'), s.rfind('>')) {
        (Some(i), Some(j)) if i < j => &s[i + 1..j],
        _ => s.trim(),
    }
}
