//! Zoom registrants, the [`Conferencing`] port: `POST
//! {api_base}/meetings/{id}/registrants` (or `/webinars/{id}/registrants`)
//! with `{email, first_name, last_name}` answers `201 {registrant_id,
//! join_url, ...}`; `DELETE .../registrants/{registrantId}` removes one
//! (204; an unknown registrant, 404, counts as removed).
//!
//! Every call carries a bearer token from [`ZoomTokens`]. When Zoom refuses
//! the token (401, or code 124) before its time, it is fetched again and
//! the call repeated once.

use super::config::ZoomConfig;
use super::errors::{refused, ApiError, INVALID_ACCESS_TOKEN};
use super::oauth::ZoomTokens;
use crate::config::ConfigError;
use crate::http::{client, describe_transport, retry_after_secs};
use async_trait::async_trait;
use myx_engine::{
    Attendee, Clock, Conference, ConferenceKind, Conferencing, ConferencingError, Registrant,
};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;
use std::fmt;
use std::sync::Arc;

pub const PROVIDER: &str = "zoom";

/// Registers people for Zoom meetings and webinars.
pub struct ZoomConferencing {
    config: Arc<ZoomConfig>,
    http: reqwest::Client,
    tokens: ZoomTokens,
}

impl fmt::Debug for ZoomConferencing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomConferencing")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Created {
    registrant_id: Option<String>,
    join_url: Option<String>,
}

/// What one HTTP exchange gave: status, `Retry-After`, body.
struct Answer {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Vec<u8>,
}

impl Answer {
    /// Zoom says the token is no good (not merely that access is denied).
    fn token_refused(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED
            || ApiError::parse(&self.body).code == Some(INVALID_ACCESS_TOKEN)
    }
}

impl ZoomConferencing {
    pub fn new(config: ZoomConfig, clock: Arc<dyn Clock>) -> Result<Self, ConfigError> {
        let http = client(config.timeout)?;
        let config = Arc::new(config);
        Ok(ZoomConferencing {
            tokens: ZoomTokens::new(config.clone(), http.clone(), clock),
            config,
            http,
        })
    }

    pub fn config(&self) -> &ZoomConfig {
        &self.config
    }

    /// The token cache (tests watch it refresh).
    pub fn tokens(&self) -> &ZoomTokens {
        &self.tokens
    }

    fn registrants_url(&self, conference: &Conference) -> Result<String, ConferencingError> {
        // The id goes into the path: digits only, as Zoom's ids are.
        if conference.id.is_empty() || !conference.id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConferencingError::Rejected(
                "the event's zoomMeetingId is not a Zoom meeting or webinar id".into(),
            ));
        }
        let kind = match conference.kind {
            ConferenceKind::Meeting => "meetings",
            ConferenceKind::Webinar => "webinars",
        };
        Ok(format!(
            "{}/{kind}/{}/registrants",
            self.config.api_base, conference.id
        ))
    }

    /// Sends the request built by `request` with a token; once more with a
    /// fresh token if Zoom refused the first.
    async fn call(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer, ConferencingError> {
        let mut token = self.tokens.access_token().await?;
        for attempt in 0..2 {
            let response = request()
                .bearer_auth(&token)
                .send()
                .await
                .map_err(|e| ConferencingError::Unavailable(describe_transport(PROVIDER, e)))?;
            let answer = Answer {
                status: response.status(),
                retry_after: retry_after_secs(response.headers()),
                body: response.bytes().await.unwrap_or_default().to_vec(),
            };
            if attempt == 0 && answer.token_refused() {
                tracing::info!("zoom refused the cached access token; fetching a new one");
                self.tokens.invalidate(&token).await;
                token = self.tokens.access_token().await?;
                continue;
            }
            return Ok(answer);
        }
        Err(ConferencingError::Unavailable(
            "zoom refused a freshly fetched access token".into(),
        ))
    }
}

#[async_trait]
impl Conferencing for ZoomConferencing {
    async fn register(
        &self,
        conference: &Conference,
        attendee: &Attendee<'_>,
    ) -> Result<Registrant, ConferencingError> {
        let url = self.registrants_url(conference)?;
        let mut body = json!({
            "email": attendee.email,
            "first_name": attendee.first_name,
            "last_name": attendee.last_name,
        });
        if conference.kind == ConferenceKind::Meeting {
            // Our form is the approval: a meeting set to manual approval
            // would otherwise hold the registrant without a join link.
            body["auto_approve"] = json!(true);
        }
        let answer = self.call(|| self.http.post(&url).json(&body)).await?;
        if !answer.status.is_success() {
            return Err(refused(
                "registration",
                answer.status,
                answer.retry_after,
                &answer.body,
            ));
        }
        let created: Created = serde_json::from_slice(&answer.body).map_err(|_| {
            ConferencingError::Unavailable(
                "zoom's registration answer is not the expected JSON".into(),
            )
        })?;
        match (created.registrant_id, created.join_url) {
            (Some(registrant_id), Some(join_url))
                if !registrant_id.is_empty() && !join_url.is_empty() =>
            {
                tracing::debug!(meeting = %conference.id, registrant = %registrant_id, "zoom registrant added");
                Ok(Registrant {
                    registrant_id,
                    join_url,
                })
            }
            _ => Err(ConferencingError::Unavailable(
                "zoom's registration answer has no registrant_id or join_url".into(),
            )),
        }
    }

    async fn unregister(
        &self,
        conference: &Conference,
        registrant_id: &str,
    ) -> Result<(), ConferencingError> {
        let base = self.registrants_url(conference)?;
        let mut url = url::Url::parse(&base)
            .map_err(|e| ConferencingError::Unavailable(format!("zoom API base: {e}")))?;
        // The registrant id is Zoom's, but escaped anyway: it goes into a path.
        url.path_segments_mut()
            .map_err(|_| ConferencingError::Unavailable("zoom API base cannot take a path".into()))?
            .push(registrant_id);
        let answer = self.call(|| self.http.delete(url.clone())).await?;
        if answer.status.is_success() || answer.status == StatusCode::NOT_FOUND {
            tracing::info!(meeting = %conference.id, registrant = %registrant_id, "zoom registrant removed");
            return Ok(());
        }
        Err(refused(
            "registrant removal",
            answer.status,
            answer.retry_after,
            &answer.body,
        ))
    }
}
