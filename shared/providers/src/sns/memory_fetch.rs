//! [`SnsFetch`] from memory: the certificate a test signed with, and a
//! record of confirmations instead of requests.

use super::fetch::{FetchError, SnsFetch};
use super::urls::{CertUrl, SubscribeUrl};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// [`SnsFetch`] from memory, for tests and offline runs: serves the
/// certificates it was given (404-like [`FetchError::Refused`] otherwise)
/// and records each confirmation instead of visiting it.
#[derive(Debug, Default)]
pub struct InMemorySnsFetch {
    certificates: Mutex<HashMap<String, Vec<u8>>>,
    unavailable: AtomicBool,
    certificate_fetches: AtomicUsize,
    confirmed: Mutex<Vec<String>>,
}

impl InMemorySnsFetch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `pem` at `url` (as given in SigningCertURL).
    pub fn with_certificate(self, url: &str, pem: impl Into<Vec<u8>>) -> Self {
        self.set_certificate(url, pem);
        self
    }

    pub fn set_certificate(&self, url: &str, pem: impl Into<Vec<u8>>) {
        let url = CertUrl::parse(url).map(|u| u.as_str().to_string());
        if let Ok(url) = url {
            self.lock_certificates().insert(url, pem.into());
        }
    }

    /// While set, every request fails as if SNS could not be reached.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// How many certificate requests were made (the cache saves the rest).
    pub fn certificate_fetches(&self) -> usize {
        self.certificate_fetches.load(Ordering::SeqCst)
    }

    /// Every SubscribeURL visited, in order.
    pub fn confirmed(&self) -> Vec<String> {
        self.confirmed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn lock_certificates(&self) -> MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.certificates.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn check_available(&self) -> Result<(), FetchError> {
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(FetchError::Unavailable("offline (in-memory fetch)".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl SnsFetch for InMemorySnsFetch {
    async fn certificate(&self, url: &CertUrl) -> Result<Vec<u8>, FetchError> {
        self.certificate_fetches.fetch_add(1, Ordering::SeqCst);
        self.check_available()?;
        self.lock_certificates()
            .get(url.as_str())
            .cloned()
            .ok_or_else(|| FetchError::Refused("HTTP 404".into()))
    }

    async fn confirm_subscription(&self, url: &SubscribeUrl) -> Result<(), FetchError> {
        self.check_available()?;
        self.confirmed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(url.as_str().to_string());
        Ok(())
    }
}
