//! Whether a write's precondition holds for the item currently stored.

use myx_engine::Condition;

/// What conditions look at of a stored item.
pub(crate) struct Current {
    /// Unix nanoseconds.
    pub(crate) expires_at: Option<i64>,
    pub(crate) version: u64,
}

pub(crate) fn holds(condition: &Condition, current: Option<&Current>) -> bool {
    match condition {
        Condition::None => true,
        Condition::NotExists => current.is_none(),
        Condition::NotExistsOrExpired(now) => current.is_none_or(|item| {
            item.expires_at
                .is_some_and(|at| i128::from(at) <= now.as_nanosecond())
        }),
        Condition::Exists => current.is_some(),
        Condition::VersionIs(version) => current.is_some_and(|item| item.version == *version),
    }
}
