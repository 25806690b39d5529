//! Myxelium's HTTP API: the same routes API Gateway serves, as one axum
//! router over the engine's handlers.

mod auth;
mod problem;
mod rate_limit;
mod routes;
mod webhook_settings;

pub use rate_limit::RateLimit;
pub use routes::{admin_router, public_router, router, webhooks_router, ApiState};
pub use webhook_settings::WebhookSettings;
