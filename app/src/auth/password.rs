//! Password rules and hashing (security.md P1–P3): argon2id with the
//! crate's OWASP defaults, run on the blocking pool behind a small cap, and
//! a dummy verification for unknown accounts so timing tells nothing.

use crate::error::Error;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// The most common passwords (from public breach lists), one per line.
const COMMON: &str = include_str!("common_passwords.txt");

/// Each hash takes about 19 MiB and a core for a moment; at most this many run at once.
fn permits() -> &'static Semaphore {
    static CAP: OnceLock<Semaphore> = OnceLock::new();
    CAP.get_or_init(|| Semaphore::new(4))
}

/// Checks a new password against the rules; the message says what to change.
pub fn validate_new(password: &str) -> Result<(), Error> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(Error::invalid(
            "password",
            format!("Use at least {MIN_LEN} characters (this one has {len})."),
        ));
    }
    if len > MAX_LEN {
        return Err(Error::invalid(
            "password",
            format!("Use at most {MAX_LEN} characters (this one has {len})."),
        ));
    }
    if is_common(password) {
        return Err(Error::invalid(
            "password",
            "This password is one of the most common ones and is easy to guess. Choose another, for example a few unrelated words.",
        ));
    }
    Ok(())
}

pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    COMMON.lines().any(|l| l.trim() == lower)
}

/// Hashes on the blocking pool and returns the PHC string.
pub async fn hash(password: &str) -> Result<String, Error> {
    let password = password.to_string();
    let _permit = permits()
        .acquire()
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

/// Verifies against `phc`, or against a dummy hash when there is no account,
/// so both paths cost the same. Returns false for a wrong password.
pub async fn verify(phc: Option<&str>, password: &str) -> Result<bool, Error> {
    let known = phc.is_some();
    let phc = match phc {
        Some(p) => p.to_string(),
        None => dummy_hash().await?,
    };
    let password = password.to_string();
    let _permit = permits()
        .acquire()
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    let ok = tokio::task::spawn_blocking(move || {
        let parsed =
            PasswordHash::new(&phc).map_err(|e| Error::Internal(format!("bad hash: {e}")))?;
        Ok::<bool, Error>(
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
        )
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))??;
    Ok(ok && known)
}

async fn dummy_hash() -> Result<String, Error> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| hash("timether-dummy-password-for-timing"))
        .await
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules_count_characters() {
        assert!(validate_new("short").is_err());
        assert!(validate_new("ünïcödé-ok").is_ok());
        assert!(validate_new(&"x".repeat(129)).is_err());
        assert!(validate_new(&"correct horse battery ".repeat(6)[..128]).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_with_a_reason() {
        let err = validate_new("Password123").unwrap_err();
        assert!(err.to_string().contains("common"), "{err}");
        assert!(validate_new("qwertyuiop").is_err());
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash("a good long passphrase").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(Some(&h), "a good long passphrase").await.unwrap());
        assert!(!verify(Some(&h), "a good long passphrasf").await.unwrap());
        assert!(!verify(None, "a good long passphrase").await.unwrap());
    }
}
