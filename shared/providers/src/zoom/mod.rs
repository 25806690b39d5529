//! Zoom: Server-to-Server OAuth tokens ([`oauth`]), registrants for
//! meetings and webinars as the engine's conferencing port
//! ([`registrants`]), webhook signatures ([`signature`]) and bodies
//! ([`webhook`]).

pub mod config;
mod errors;
pub mod oauth;
pub mod registrants;
pub mod signature;
pub mod webhook;

pub use config::ZoomConfig;
pub use registrants::ZoomConferencing;
pub use signature::ZoomWebhookSecret;
