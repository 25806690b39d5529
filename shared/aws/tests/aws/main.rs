//! The AWS adapters against moto (one emulator for the whole binary): the store contract, table layout, scheduler, SQS, SES and secrets.
//!
//! One test binary per crate: every scenario links once and takes one
//! executable's disk space, not one per file.

mod dynamo;
mod scheduler;
mod secrets;
mod ses;
mod sqs;
mod sqs_partial_failure;
mod store_contract;
