//! The secret that signs unsubscribe tokens.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Context string for the key id, so it can never equal a token signature.
const KEY_ID_CONTEXT: &[u8] = b"myx unsubscribe key id";
/// Bytes of the key id carried in every token.
pub(crate) const KEY_ID_LEN: usize = 6;

/// An HMAC-SHA256 key for unsubscribe tokens: at least 32 bytes (the hash's
/// output size, as RFC 2104 recommends). `Debug` never shows it.
#[derive(Clone)]
pub struct UnsubscribeKey {
    /// The keyed MAC, ready to be cloned for each use.
    mac: HmacSha256,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("an unsubscribe key needs at least {min} bytes, got {got}")]
    TooShort { min: usize, got: usize },
    #[error("the unsubscribe key was refused by HMAC-SHA256")]
    Refused,
}

impl UnsubscribeKey {
    pub const MIN_LEN: usize = 32;

    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let secret = secret.as_ref();
        if secret.len() < Self::MIN_LEN {
            return Err(KeyError::TooShort {
                min: Self::MIN_LEN,
                got: secret.len(),
            });
        }
        let mac = HmacSha256::new_from_slice(secret).map_err(|_| KeyError::Refused)?;
        Ok(UnsubscribeKey { mac })
    }

    /// A MAC keyed with this key.
    pub(crate) fn mac(&self) -> HmacSha256 {
        self.mac.clone()
    }

    /// A short public id of the key (derived with HMAC, so it reveals
    /// nothing of the secret): tells "signed with another key" apart from
    /// "tampered with", and lets a caller pick the key after a rotation.
    pub(crate) fn id(&self) -> [u8; KEY_ID_LEN] {
        let mut mac = self.mac();
        mac.update(KEY_ID_CONTEXT);
        let digest = mac.finalize().into_bytes();
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        id
    }
}

impl fmt::Debug for UnsubscribeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UnsubscribeKey(<redacted>)")
    }
}
