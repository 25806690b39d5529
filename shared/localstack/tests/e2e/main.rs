//! The local stack end to end over HTTP: funnels, lifecycle, compliance, inputs, providers and webhooks, the dev page, the OpenAPI document.
//!
//! One test binary per crate: every scenario links once and takes one
//! executable's disk space, not one per file.

mod common;
mod provider_stack;

mod e2e_compliance;
mod e2e_dev_page;
mod e2e_inputs;
mod e2e_lifecycle;
mod e2e_resend;
mod e2e_ses;
mod e2e_smtp_relay;
mod e2e_twilio;
mod e2e_webinar;
mod e2e_zoom_enroll;
mod e2e_zoom_webhooks;
mod enrollment_writes;
mod fan_out_pages;
mod funnel_dir;
mod openapi_sync;
mod send_ledger_races;
mod stale_reads;
mod webhooks_garbage;
