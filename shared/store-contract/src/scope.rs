//! Key prefixes unique to one case and one run, so cases can share a store
//! (or a persistent emulator table) without seeing each other's items.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static NEXT: AtomicU64 = AtomicU64::new(0);

pub(crate) struct Scope {
    base: String,
}

impl Scope {
    pub(crate) fn new(case: &str) -> Scope {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Scope {
            base: format!("contract#{case}#{}-{nanos:x}-{n}", std::process::id()),
        }
    }

    /// A partition key (or GSI1 partition key) private to this case.
    pub(crate) fn pk(&self, name: &str) -> String {
        format!("{}#{name}", self.base)
    }
}
