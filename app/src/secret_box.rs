//! Encryption at rest for TOTP secrets (security.md T10): XChaCha20-Poly1305
//! with a 256-bit key that never enters the database. The key comes from the
//! `totp-key` setting or from `totp.key` in the data directory, created with
//! mode 0600 on first start. Without the key the stored secrets cannot be
//! read, and everyone with 2FA needs `timether user reset-2fa`.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use std::path::Path;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD_NO_PAD;
const VERSION: &str = "v1:";

/// A 256-bit key. Its `Debug` never prints the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(redacted)")
    }
}

impl SecretKey {
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        SecretKey(k)
    }

    /// Parses base64 (with or without padding) of exactly 32 bytes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim().trim_end_matches('=');
        let bytes = B64
            .decode(t)
            .map_err(|_| "the TOTP key must be base64".to_string())?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "the TOTP key must be 32 bytes (44 base64 characters)".to_string())?;
        Ok(SecretKey(arr))
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    /// Reads the key file, or creates it (mode 0600) when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                let key = Self::generate();
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                use std::io::Write;
                match opts.open(path) {
                    Ok(mut f) => {
                        f.write_all(format!("{}\n", key.to_base64()).as_bytes())
                            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                        Ok(key)
                    }
                    // Another instance created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::load_or_create(path)
                    }
                    Err(e) => Err(format!("cannot create {}: {e}", path.display())),
                }
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Encrypts with a random nonce: `v1:` + base64(nonce ‖ ciphertext).
    pub fn seal(&self, plain: &[u8]) -> Result<String, String> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), plain)
            .map_err(|_| "encryption failed".to_string())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(format!("{VERSION}{}", B64.encode(out)))
    }

    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, String> {
        let body = sealed
            .strip_prefix(VERSION)
            .ok_or("unknown secret format")?;
        let bytes = B64.decode(body).map_err(|_| "secret is not base64")?;
        if bytes.len() < 24 + 16 {
            return Err("secret is too short".into());
        }
        let (nonce, ct) = bytes.split_at(24);
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt(XNonce::from_slice(nonce), ct)
            .map_err(|_| {
                "the secret does not open with this key (was the TOTP key changed?)".into()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let k = SecretKey::generate();
        let a = k.seal(b"twenty byte secret!!").unwrap();
        let b = k.seal(b"twenty byte secret!!").unwrap();
        assert_ne!(a, b, "nonces differ");
        assert!(!a.contains("twenty"));
        assert_eq!(k.open(&a).unwrap(), b"twenty byte secret!!");
        assert!(SecretKey::generate().open(&a).is_err());
        assert!(format!("{k:?}").contains("redacted"));
        assert_eq!(SecretKey::parse(&k.to_base64()).unwrap(), k);
        assert!(SecretKey::parse("c2hvcnQ").is_err());
    }

    #[test]
    fn key_file_is_created_once_with_owner_only_access() {
        let dir = std::env::temp_dir().join(format!("timether-key-{}", uuid::Uuid::now_v7()));
        let path = dir.join("totp.key");
        let k1 = SecretKey::load_or_create(&path).unwrap();
        let k2 = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(k1, k2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
