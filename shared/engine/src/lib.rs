//! The Myxelium engine: the ports it needs from the outside world and the
//! handlers (enroll, admin, send) written once over them. The Lambda
//! functions, the local server and the simulator compose the same handlers
//! with different adapters.

pub mod compliance;
pub mod engine;
pub mod enroll;
pub mod events;
pub mod export;
pub mod funnels;
pub mod keys;
pub mod lifecycle;
pub mod links;
pub mod outgoing;
pub mod ports;
pub mod reads;
pub mod records;
pub mod registrants;
pub mod request;
pub mod scheduling;
pub mod send;
pub mod send_ledger;
pub mod send_ref;
pub mod tenants;
pub mod timeline;
pub mod webhooks;

pub use engine::{Engine, EngineConfig, EngineError, FieldError};
pub use ports::*;
