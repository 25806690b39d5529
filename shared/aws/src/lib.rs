//! Myxelium's AWS adapters: the engine's ports on AWS services.
//!
//! Built once per Lambda cold start from an [`aws_config::SdkConfig`] and
//! [`AwsSettings`], then shared by every invocation:
//!
//! - [`DynamoStore`]: the table store on one DynamoDB table
//!   ([`dynamo::create_table`] makes one with the production layout).
//! - [`SchedulerTimers`]: one-shot EventBridge Scheduler schedules that put
//!   a work message on the steps queue.
//! - [`SqsQueue`]: the work queue on SQS ([`parse_work_message`] reads a
//!   message body back).
//! - [`SesSender`]: email through SES v2, as raw MIME built by myx-compose.
//! - [`SecretsCache`]: the app's secrets from Secrets Manager, read once.
//!
//! Nothing here logs an email address or phone number: AWS error messages
//! are scrubbed of addresses before they reach an error or a log line.

mod aws_error;
pub mod dynamo;
pub mod scheduler;
pub mod secrets;
pub mod ses;
pub mod settings;
pub mod sqs;

pub use dynamo::DynamoStore;
pub use scheduler::{RetryPolicy, ScheduleTarget, SchedulerTimers};
pub use secrets::{AppSecrets, SecretString, SecretsCache, SecretsError};
pub use ses::SesSender;
pub use settings::{AwsSettings, SettingsError};
pub use sqs::{parse_work_message, MessageBodyError, SqsQueue};
