//! The embedded adapters: SQLite store (with the contract suite), queue, timers, group commit.
//!
//! One test binary per crate: every scenario links once and takes one
//! executable's disk space, not one per file.

mod common;

mod contract_catches_faults;
mod group_commit;
mod local_db;
mod queue;
mod store_contract;
mod timers;
