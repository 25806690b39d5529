//! Identifier generation: time-ordered so ids sort by creation.

pub trait IdGenerator: Send + Sync {
    /// A new id with a readable type prefix, e.g. `enr_0190f...`.
    fn new_id(&self, prefix: &str) -> String;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn new_id(&self, prefix: &str) -> String {
        format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
    }
}
