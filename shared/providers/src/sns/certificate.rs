//! SNS's signing certificate: an X.509 certificate in PEM with an RSA key,
//! parsed once (x509-parser) and kept as the key and its validity; the
//! signature is RSA PKCS#1 v1.5 over SHA-1 (SignatureVersion 1) or SHA-256
//! (2), checked by ring.

use super::message::SignatureVersion;
use jiff::Timestamp;
use ring::signature::{
    UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, RSA_PKCS1_2048_8192_SHA256,
};
use x509_parser::pem::parse_x509_pem;
use x509_parser::public_key::PublicKey;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("not a PEM certificate")]
    NotPem,
    #[error("not an X.509 certificate")]
    NotX509,
    #[error("the certificate's key is not RSA")]
    NotRsa,
}

/// The public half of a signing certificate, ready to verify with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningCert {
    /// DER `RSAPublicKey` (the SubjectPublicKeyInfo's bit string).
    rsa_public_key: Vec<u8>,
    not_before: Timestamp,
    not_after: Timestamp,
}

impl SigningCert {
    /// Parses the first PEM certificate of `pem` (what the certificate URL serves).
    pub fn from_pem(pem: &[u8]) -> Result<Self, CertificateError> {
        let (_, block) = parse_x509_pem(pem).map_err(|_| CertificateError::NotPem)?;
        if block.label != "CERTIFICATE" {
            return Err(CertificateError::NotPem);
        }
        let cert = block.parse_x509().map_err(|_| CertificateError::NotX509)?;
        let spki = cert.public_key();
        match spki.parsed() {
            Ok(PublicKey::RSA(_)) => {}
            _ => return Err(CertificateError::NotRsa),
        }
        let validity = cert.validity();
        // Beyond jiff's range (year 9999): as far as it goes.
        let not_before =
            Timestamp::from_second(validity.not_before.timestamp()).unwrap_or(Timestamp::MIN);
        let not_after =
            Timestamp::from_second(validity.not_after.timestamp()).unwrap_or(Timestamp::MAX);
        Ok(SigningCert {
            rsa_public_key: spki.subject_public_key.data.to_vec(),
            not_before,
            not_after,
        })
    }

    /// Whether `now` is within the certificate's validity.
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    pub fn not_after(&self) -> Timestamp {
        self.not_after
    }

    /// Whether `signature` (raw bytes) signs `message` with this key.
    pub fn verifies(&self, version: SignatureVersion, message: &[u8], signature: &[u8]) -> bool {
        let algorithm = match version {
            // SHA-1 is what SNS signs with unless the topic asks for v2.
            SignatureVersion::V1Sha1 => &RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            SignatureVersion::V2Sha256 => &RSA_PKCS1_2048_8192_SHA256,
        };
        UnparsedPublicKey::new(algorithm, &self.rsa_public_key)
            .verify(message, signature)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(SigningCert::from_pem(b""), Err(CertificateError::NotPem));
        assert_eq!(
            SigningCert::from_pem(b"<html>Not Found</html>"),
            Err(CertificateError::NotPem)
        );
        let not_x509 = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(
            SigningCert::from_pem(not_x509),
            Err(CertificateError::NotX509)
        );
    }
}
