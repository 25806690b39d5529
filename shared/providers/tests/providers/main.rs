//! Provider clients (Twilio, Resend, Zoom) against local stub servers, signature checks against the providers' own or independently computed vectors (SNS vectors cross-checked by independent validators), provider failover with its circuit breaker.
//!
//! One test binary per crate: every scenario links once and takes one
//! executable's disk space, not one per file.

mod failover;
mod resend_client;
mod sns_signature;
mod svix_signature;
mod twilio_client;
mod twilio_signature;
mod zoom_client;
mod zoom_signature;
