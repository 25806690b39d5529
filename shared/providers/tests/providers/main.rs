//! Provider clients against local stub servers and signature checks against the providers' own vectors.
//!
//! One test binary per crate: every scenario links once and takes one
//! executable's disk space, not one per file.

mod resend_client;
mod sns_signature;
mod svix_signature;
mod twilio_client;
mod twilio_signature;
