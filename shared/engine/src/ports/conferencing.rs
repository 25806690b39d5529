//! Conferencing platforms (Zoom): register a person for a meeting or webinar
//! and get their personal join link; undo it when our own write fails.

use async_trait::async_trait;

/// Which kind of Zoom session: registrants live under `/meetings/{id}` or
/// `/webinars/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConferenceKind {
    Meeting,
    Webinar,
}

/// The session a registrant is added to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conference {
    pub kind: ConferenceKind,
    /// The platform's id for the session (Zoom: digits only).
    pub id: String,
}

/// Who is registered. `Debug` leaves out the email address.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Attendee<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
}

impl std::fmt::Debug for Attendee<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attendee").finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registrant {
    pub registrant_id: String,
    pub join_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConferencingError {
    /// The platform refused this registration (registration off, no such
    /// meeting, ...): retrying the same request will not help (→ 422).
    #[error("conferencing platform rejected the registration: {0}")]
    Rejected(String),
    /// No answer, rate limited, a server error or our own credentials or
    /// configuration: retrying later may help (→ 503).
    #[error("conferencing platform unavailable: {0}")]
    Unavailable(String),
    /// Rate limited or down, and the platform said when to come back
    /// (its `Retry-After`): → 503 with the same `Retry-After`.
    #[error("conferencing platform busy: {detail} (retry after {} s)", retry_after.as_secs())]
    Busy {
        detail: String,
        retry_after: std::time::Duration,
    },
}

#[async_trait]
pub trait Conferencing: Send + Sync {
    async fn register(
        &self,
        conference: &Conference,
        attendee: &Attendee<'_>,
    ) -> Result<Registrant, ConferencingError>;
    /// Removes a registrant; one that is already gone counts as removed.
    async fn unregister(
        &self,
        conference: &Conference,
        registrant_id: &str,
    ) -> Result<(), ConferencingError>;
}

/// For in-person and other events: nobody to register with. A Zoom event on
/// a server without Zoom settings is the server's problem, not the
/// registrant's: unavailable (503), not rejected.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoConferencing;

#[async_trait]
impl Conferencing for NoConferencing {
    async fn register(
        &self,
        _: &Conference,
        _: &Attendee<'_>,
    ) -> Result<Registrant, ConferencingError> {
        Err(ConferencingError::Unavailable(
            "no conferencing platform is configured on this server".into(),
        ))
    }

    async fn unregister(&self, _: &Conference, _: &str) -> Result<(), ConferencingError> {
        Ok(())
    }
}
