//! Conferencing platforms (Zoom): register a person for a meeting or webinar
//! and get their personal join link; undo it when our own write fails.

use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registrant {
    pub registrant_id: String,
    pub join_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConferencingError {
    #[error("conferencing platform rejected the registration: {0}")]
    Rejected(String),
    #[error("conferencing platform unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Conferencing: Send + Sync {
    async fn register(
        &self,
        meeting_id: &str,
        email: &str,
        first_name: &str,
        last_name: &str,
    ) -> Result<Registrant, ConferencingError>;
    async fn unregister(
        &self,
        meeting_id: &str,
        registrant_id: &str,
    ) -> Result<(), ConferencingError>;
}

/// For in-person and other events: nobody to register with.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoConferencing;

#[async_trait]
impl Conferencing for NoConferencing {
    async fn register(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<Registrant, ConferencingError> {
        Err(ConferencingError::Rejected(
            "no conferencing platform is configured".into(),
        ))
    }

    async fn unregister(&self, _: &str, _: &str) -> Result<(), ConferencingError> {
        Ok(())
    }
}
