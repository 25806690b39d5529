//! Signing certificates by URL, parsed, in a small LRU. A certificate URL
//! names one certificate for its lifetime (SNS publishes a rotated one
//! under a new name), so an entry is kept until it expires or is evicted.
//! Failed fetches are not cached: the next message tries again.

use super::certificate::SigningCert;
use super::urls::CertUrl;
use jiff::Timestamp;
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// Certificates kept (SNS uses one per region at a time; a few regions and
/// a rotation fit easily).
pub const CAPACITY: NonZeroUsize = match NonZeroUsize::new(32) {
    Some(n) => n,
    None => NonZeroUsize::MIN,
};

#[derive(Debug)]
pub struct CertCache {
    entries: Mutex<LruCache<String, Arc<SigningCert>>>,
}

impl Default for CertCache {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl CertCache {
    pub fn with_capacity(capacity: NonZeroUsize) -> Self {
        CertCache {
            entries: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The cached certificate for `url`, unless it has expired by `now`.
    pub fn get(&self, url: &CertUrl, now: Timestamp) -> Option<Arc<SigningCert>> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let cert = entries.get(url.as_str())?.clone();
        if cert.not_after() < now {
            entries.pop(url.as_str());
            return None;
        }
        Some(cert)
    }

    pub fn put(&self, url: &CertUrl, cert: Arc<SigningCert>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.put(url.as_str().to_string(), cert);
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
