//! The engine context: the ports, configuration and caches every handler
//! shares. Built once per process (or Lambda cold start).

use crate::funnels::FunnelCache;
use crate::ports::*;
use crate::tenants::TenantCache;
use jiff::SignedDuration;
use std::sync::Arc;

#[derive(Clone)]
pub struct EngineConfig {
    /// Base URL that links (unsubscribe, calendar) are built on, without a trailing slash.
    pub public_url: String,
    /// HMAC key for unsubscribe tokens.
    pub unsubscribe_key: myx_compose::UnsubscribeKey,
    /// How long an Idempotency-Key replays its first response.
    pub idempotency_ttl: SignedDuration,
    /// Sends due within this horizon go to the queue with a delay instead of a timer.
    pub queue_delay_horizon: SignedDuration,
}

impl EngineConfig {
    pub fn new(public_url: &str, unsubscribe_key: myx_compose::UnsubscribeKey) -> Self {
        EngineConfig {
            public_url: public_url.trim_end_matches('/').to_string(),
            unsubscribe_key,
            idempotency_ttl: SignedDuration::from_hours(24),
            queue_delay_horizon: SignedDuration::from_mins(15),
        }
    }
}

#[derive(Clone)]
pub struct Engine {
    pub store: Arc<dyn TableStore>,
    pub timers: Arc<dyn Timers>,
    pub queue: Arc<dyn WorkQueue>,
    pub email: Arc<dyn EmailSender>,
    pub sms: Arc<dyn SmsSender>,
    pub conferencing: Arc<dyn Conferencing>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub config: Arc<EngineConfig>,
    pub funnels: Arc<FunnelCache>,
    pub tenants: Arc<TenantCache>,
}

/// One field's problem in a request body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything a handler can answer besides success; the HTTP edge maps
/// each variant to one status code (see `status`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("the request is invalid")]
    Validation(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(String),
    /// Already exists; `existing` is the body to return.
    #[error("{message}")]
    Conflict {
        message: String,
        existing: serde_json::Value,
    },
    #[error("{0}")]
    Unprocessable(String),
    #[error("missing or invalid API key")]
    Unauthorized,
    #[error("{0}")]
    Unavailable(String),
    /// Unavailable, and known to be until `retry_after` has passed (the
    /// HTTP edge sends it as `Retry-After`).
    #[error("{message}")]
    Busy {
        message: String,
        retry_after: std::time::Duration,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl EngineError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        EngineError::Validation(vec![FieldError::new(field, message)])
    }

    /// The HTTP status this error maps to.
    pub fn status(&self) -> u16 {
        match self {
            EngineError::Validation(_) => 400,
            EngineError::Unauthorized => 401,
            EngineError::NotFound(_) => 404,
            EngineError::Conflict { .. } => 409,
            EngineError::Unprocessable(_) => 422,
            EngineError::Unavailable(_) | EngineError::Busy { .. } => 503,
            EngineError::Internal(_) => 500,
        }
    }
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) => EngineError::Unavailable(m),
            other => EngineError::Internal(other.to_string()),
        }
    }
}

impl From<PortError> for EngineError {
    fn from(e: PortError) -> Self {
        EngineError::Unavailable(e.to_string())
    }
}
