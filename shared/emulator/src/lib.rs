//! Test support for the AWS adapters: one moto emulator per test process.
//!
//! - [`endpoint`]: moto's URL. `MYX_MOTO_ENDPOINT` names a running one (as
//!   `scripts/test.sh` does for a whole run); otherwise the first call
//!   starts `moto_server` on a free port and it dies with the process.
//! - [`sdk_config`]: an SDK config for that endpoint with static test
//!   credentials, independent of the process environment.
//! - [`resources`]: uniquely named tables, queues, scheduler groups, SES
//!   identities and secrets (tests share one moto, so names never repeat).
//! - [`mail`]: what moto recorded of the emails sent through SES.
//!
//! Tests never reset moto: other tests may be using it at the same time.

pub mod mail;
mod moto;
pub mod resources;
mod sdk;

pub use mail::{sent_mail, SentMail, SesMessage, SesRawMessage};
pub use moto::endpoint;
pub use resources::{
    create_configuration_set, create_email_identity, create_queue_with_dlq, create_scheduler_group,
    create_secret, create_table, unique_name, TestQueue,
};
pub use sdk::{sdk_config, unreachable_sdk_config};
