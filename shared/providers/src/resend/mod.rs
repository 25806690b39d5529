//! Resend: the email sender ([`client`]) and its webhook events ([`webhook`],
//! signed with Svix, see [`crate::svix`]).

pub mod client;
pub mod webhook;

pub use client::{ResendConfig, ResendEmail};
