//! Provider clients (Twilio, Resend, Zoom) against local stub servers and signature checks against independently computed vectors.
//!
//! One test binary per crate: every scenario links once and takes one
//! executable's disk space, not one per file.

mod resend_client;
mod svix_signature;
mod twilio_client;
mod twilio_signature;
mod zoom_client;
mod zoom_signature;
