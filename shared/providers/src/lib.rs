//! Provider adapters with no AWS dependency, used by the local stack and
//! the Lambdas alike:
//!
//! - [`twilio`]: the SMS sender (Messages API), `X-Twilio-Signature`
//!   verification and the webhook forms (status callbacks, inbound SMS).
//! - [`resend`]: the email sender and its webhook events.
//! - [`svix`]: Svix webhook signatures (`svix-id`, `svix-timestamp`,
//!   `svix-signature`), as Resend sends them.
//! - [`ses_events`]: SES events (delivery, bounce, complaint, open,
//!   click, ...) from an SNS Notification, mapped to email events.
//! - [`sns`]: Amazon SNS messages (how SES events arrive): signature
//!   verification (v1 and v2), certificate URL allow-list and cache,
//!   subscription confirmation.
//! - [`failover`]: per channel, an ordered provider list with failover on
//!   transient errors and a circuit breaker per provider.
//! - [`zoom`]: Server-to-Server OAuth and registrants for meetings and
//!   webinars (the engine's conferencing port), `x-zm-signature`
//!   verification and the webhook events.
//! - [`config`]: the settings, read from the environment (`myx dev`) or any
//!   other lookup (the Lambdas' secret).
//!
//! HTTP goes through reqwest with rustls. Errors are mapped to
//! [`myx_engine::SendError`]: transient (429, 5xx, timeouts) or permanent;
//! Zoom's to [`myx_engine::ConferencingError`]: unavailable or rejected.

pub mod config;
pub mod failover;
mod http;
pub mod resend;
pub mod ses_events;
pub mod sns;
pub mod svix;
pub mod twilio;
pub mod zoom;

pub use config::{ConfigError, ProviderSettings};
pub use failover::{FailoverEmail, FailoverSms};
pub use resend::{ResendConfig, ResendEmail};
pub use svix::{SvixError, SvixSecret};
pub use twilio::{TwilioConfig, TwilioSms};
pub use zoom::{ZoomConferencing, ZoomConfig, ZoomWebhookSecret};
