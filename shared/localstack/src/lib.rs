//! The local stack: the same engine and HTTP routes as on AWS, composed
//! with embedded adapters, for `myx dev`, `myx simulate` and the end-to-end
//! tests.

pub mod dev_page;
pub mod dev_routes;
pub mod driver;
mod eml_files;
pub mod funnel_dir;
pub mod outbox;
pub mod smtp;
pub mod stack;
mod work_pool;

pub use driver::Driver;
/// Provider settings (`TWILIO_*`, `RESEND_*`, `SES_EVENTS_TOPIC_ARN`), for `myx dev`.
pub use myx_providers::ProviderSettings;
pub use outbox::{Outbox, OutboxEntry};
pub use stack::{ExtraAdapters, LocalStack, StackOptions};
