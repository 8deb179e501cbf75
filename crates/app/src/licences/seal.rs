//! The centre's seal: an SM2 signature (GB/T 32918, with SM3 and the default distinguishing identifier
//! `1234567812345678` of GM/T 0009) over a licence's payload, by RustCrypto's `sm2` (ADR 0020: pure Rust,
//! never independently audited, and behind [`Seal`] so that a certified cryptographic module can take its
//! place). The key is read from the file the configuration names (PKCS#8 PEM, as `openssl genpkey
//! -algorithm SM2` writes it, or 64 hexadecimal digits); without one, a development key is made on first
//! start and kept in the settings, and the start-up log says so.
//!
//! Every public key the centre has sealed with is kept (`licences.seal_keys`), so that licences sealed
//! before a key was replaced still verify, and a licence sealed by any other key does not.

use crate::error::{AppError, AppResult};
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm3::{Digest, Sm3};

/// GM/T 0009-2012's default distinguishing identifier (the signer's ID in Z_A).
pub const DISTINGUISHING_ID: &str = "1234567812345678";

/// The setting that keeps the development key (hexadecimal), when no key file is configured.
pub const DEVELOPMENT_KEY_SETTING: &str = "licences.development_seal_key";

/// The setting that lists, one per line, every public key (SEC1, hexadecimal) the centre has sealed with.
pub const SEAL_KEYS_SETTING: &str = "licences.seal_keys";

/// What seals: the one operation the centre's signing key offers.
pub trait Seal: Send + Sync {
    /// The public key, SEC1 uncompressed, as lowercase hex.
    fn public_key(&self) -> String;

    /// The signature of `payload`, r‖s (64 bytes) as lowercase hex.
    fn sign(&self, payload: &[u8]) -> String;
}

/// SM2 in software.
pub struct Sm2Seal {
    key: SigningKey,
}

impl Sm2Seal {
    pub fn from_secret(secret: &[u8]) -> AppResult<Self> {
        let secret = sm2::SecretKey::from_slice(secret)
            .map_err(|_| AppError::Internal("the seal key is not an SM2 private key".to_string()))?;
        let key = SigningKey::new(DISTINGUISHING_ID, &secret)
            .map_err(|_| AppError::Internal("the seal key cannot sign".to_string()))?;
        Ok(Self { key })
    }

    /// A key file: PKCS#8 PEM, or 64 hexadecimal digits.
    pub fn from_file_text(text: &str) -> AppResult<Self> {
        let text = text.trim();
        if text.starts_with("-----BEGIN") {
            use sm2::pkcs8::DecodePrivateKey;
            let secret = sm2::SecretKey::from_pkcs8_pem(text)
                .map_err(|error| AppError::Internal(format!("the seal key file is not an SM2 PKCS#8 key: {error}")))?;
            return Self::from_secret(&secret.to_bytes());
        }
        let bytes = from_hex(text)
            .filter(|bytes| bytes.len() == 32)
            .ok_or_else(|| AppError::Internal("the seal key file holds neither PEM nor 64 hex digits".to_string()))?;
        Self::from_secret(&bytes)
    }

    pub fn generate() -> (Self, String) {
        loop {
            let bytes: [u8; 32] = rand::random();
            if let Ok(seal) = Self::from_secret(&bytes) {
                return (seal, to_hex(&bytes));
            }
        }
    }
}

impl Seal for Sm2Seal {
    fn public_key(&self) -> String {
        to_hex(&self.key.verifying_key().to_sec1_bytes())
    }

    fn sign(&self, payload: &[u8]) -> String {
        let signature: Signature = self.key.sign(payload);
        to_hex(&signature.to_bytes())
    }
}

/// Why a seal does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealFault {
    /// The key is not one the centre seals with.
    UnknownKey,
    /// The signature does not match the data: something signed was changed, or the seal was forged.
    Mismatch,
}

/// Checks `signature` over `payload` by `public_key` (all as stored: hex).
pub fn verify(public_key: &str, payload: &[u8], signature: &str) -> Result<(), SealFault> {
    let key = from_hex(public_key)
        .and_then(|bytes| VerifyingKey::from_sec1_bytes(DISTINGUISHING_ID, &bytes).ok())
        .ok_or(SealFault::UnknownKey)?;
    let signature =
        from_hex(signature).and_then(|bytes| Signature::try_from(bytes.as_slice()).ok()).ok_or(SealFault::Mismatch)?;
    key.verify(payload, &signature).map_err(|_| SealFault::Mismatch)
}

/// SM3 of `bytes`, as lowercase hex.
pub fn sm3_hex(bytes: &[u8]) -> String {
    to_hex(&Sm3::digest(bytes))
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

pub(crate) fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len() / 2).map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok()).collect()
}

/// The seal the configuration names, or the development key (made on first start), and the list of every
/// key sealed with, the current one included.
pub(crate) async fn load(
    store: &dyn onetrip_store::Store,
    key_file: Option<&std::path::Path>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<(Box<dyn Seal>, Vec<String>)> {
    let seal: Box<dyn Seal> = match key_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|error| AppError::Internal(format!("seal key file {}: {error}", path.display())))?;
            Box::new(Sm2Seal::from_file_text(&text)?)
        }
        None => {
            let kept = store.setting(DEVELOPMENT_KEY_SETTING).await?;
            let seal = match kept.as_deref().map(Sm2Seal::from_file_text) {
                Some(Ok(seal)) => seal,
                _ => {
                    let (seal, secret) = Sm2Seal::generate();
                    // Two instances starting at once: the key kept is the one both use.
                    if store.add_setting(DEVELOPMENT_KEY_SETTING, &secret, now).await? {
                        seal
                    } else {
                        let kept = store.setting(DEVELOPMENT_KEY_SETTING).await?.unwrap_or(secret);
                        Sm2Seal::from_file_text(&kept)?
                    }
                }
            };
            tracing::warn!("e-licences are sealed with a development key kept in the database; configure a key file (seal_key_file) for service");
            Box::new(seal)
        }
    };
    let public = seal.public_key();
    let mut keys: Vec<String> = store
        .setting(SEAL_KEYS_SETTING)
        .await?
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect();
    if !keys.contains(&public) {
        keys.push(public);
        store.put_setting(SEAL_KEYS_SETTING, &keys.join("\n"), now).await?;
    }
    Ok((seal, keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_verifies_and_any_change_breaks_it() {
        let (seal, secret) = Sm2Seal::generate();
        let signature = seal.sign(b"payload");
        assert_eq!(verify(&seal.public_key(), b"payload", &signature), Ok(()));
        assert_eq!(verify(&seal.public_key(), b"payloae", &signature), Err(SealFault::Mismatch));
        let mut flipped = signature.clone().into_bytes();
        flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            verify(&seal.public_key(), b"payload", &String::from_utf8(flipped).unwrap()),
            Err(SealFault::Mismatch)
        );
        let (other, _) = Sm2Seal::generate();
        assert_eq!(verify(&other.public_key(), b"payload", &signature), Err(SealFault::Mismatch));
        assert_eq!(verify("04zz", b"payload", &signature), Err(SealFault::UnknownKey));
        assert_eq!(verify(&seal.public_key(), b"payload", "00"), Err(SealFault::Mismatch));
        // The key kept as hex reads back as the same key.
        assert_eq!(Sm2Seal::from_file_text(&secret).unwrap().public_key(), seal.public_key());
    }

    /// A throwaway key made for this test with `openssl genpkey -algorithm SM2` (OpenSSL 3.0): a key file as
    /// operators will make theirs reads, and gives the public key OpenSSL computes for it.
    const OPENSSL_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgdlQs+0VNJdB9UKSD\nw9WGXZMo3B3H8zTBKNLPKJUHdhyhRANCAAQKiBXS2hl1mk0K5AyOeUPun29evZEO\nny0q+jeKdwNKVmqyYakdyQdqB9X6tgB5IEnVd9TJ2CA+QSAoRki9Do/I\n-----END PRIVATE KEY-----";
    const OPENSSL_PUBLIC: &str = "040a8815d2da19759a4d0ae40c8e7943ee9f6f5ebd910e9f2d2afa378a77034a566ab261a91dc9076a07d5fab600792049d577d4c9d8203e4120284648bd0e8fc8";

    #[test]
    fn a_key_file_made_by_openssl_reads() {
        let seal = Sm2Seal::from_file_text(OPENSSL_KEY).unwrap();
        assert_eq!(seal.public_key(), OPENSSL_PUBLIC);
        let signature = seal.sign(b"payload");
        assert_eq!(verify(OPENSSL_PUBLIC, b"payload", &signature), Ok(()));
        assert!(Sm2Seal::from_file_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").is_err());
        assert!(Sm2Seal::from_file_text("abc").is_err());
    }

    #[test]
    fn sm3_of_a_known_text() {
        // GB/T 32905-2016, example 1: SM3("abc").
        assert_eq!(sm3_hex(b"abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }
}
