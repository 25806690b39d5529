//! Twilio: the SMS sender ([`client`]), its error codes ([`errors`]),
//! request signatures ([`signature`]) and webhook forms ([`webhook`]).

pub mod client;
pub mod errors;
pub mod signature;
pub mod webhook;

pub use client::{TwilioConfig, TwilioSms};
