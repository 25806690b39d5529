//! Zoom: Server-to-Server OAuth tokens ([`oauth`]), registrants for
//! meetings and webinars as the engine's conferencing port
//! ([`registrants`]), and the error answers ([`errors`]).

pub mod config;
mod errors;
pub mod oauth;
pub mod registrants;

pub use config::ZoomConfig;
pub use registrants::ZoomConferencing;
