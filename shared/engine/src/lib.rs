//! The Myxelium engine: the ports it needs from the outside world and the
//! handlers (enroll, admin, send) written once over them. The Lambda
//! functions, the local server and the simulator compose the same handlers
//! with different adapters.

pub mod keys;
pub mod ports;

pub use ports::*;
