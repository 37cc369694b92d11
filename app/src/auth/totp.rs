//! TOTP codes (RFC 6238) as every authenticator app makes them: SHA1,
//! 6 digits, 30-second steps, a 20-byte secret (security.md T1, T2, T6).
//! Pure functions with the time passed in; storage, replay and throttling
//! live in `crate::two_factor`.

use rand::RngCore;
use totp_rs::{Algorithm, Builder, Secret, Totp};

pub const STEP_SECS: u64 = 30;
pub const DIGITS: u8 = 6;
pub const SECRET_BYTES: usize = 20;
pub const ISSUER: &str = "Timether";

/// A fresh secret from the operating system's CSPRNG.
pub fn new_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

fn totp(secret: &[u8], account: &str) -> Result<Totp, String> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .with_secret(Secret::from(secret.to_vec()))
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', ""))
        .build()
        .map_err(|e| format!("TOTP setup: {e:?}"))
}

/// The step a Unix time falls in.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS as i64)
}

/// The code for a Unix time (what the app shows then).
pub fn code_at(secret: &[u8], unix_secs: i64) -> String {
    totp(secret, "x")
        .map(|t| t.generate(unix_secs.max(0) as u64).to_string())
        .unwrap_or_default()
}

/// Checks a code typed by a person against the steps t-1, t and t+1 of
/// `unix_secs` and returns the step it belongs to. Spaces and dashes are
/// ignored; anything but six digits is refused.
pub fn matching_step(secret: &[u8], code: &str, unix_secs: i64) -> Option<i64> {
    let digits: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret, "x").ok()?;
    t.check(&digits, unix_secs.max(0) as u64)
        .map(|step| step as i64)
}

/// Unpadded base32, as apps expect it.
pub fn secret_base32(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

/// The secret in groups of four for reading aloud or typing.
pub fn grouped(base32: &str) -> String {
    base32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `otpauth://totp/Timether:{email}?secret=…&issuer=Timether&algorithm=SHA1&digits=6&period=30`,
/// label and issuer URL-encoded.
pub fn otpauth_url(secret: &[u8], email: &str) -> Result<String, String> {
    let base = totp(secret, email)?
        .to_url()
        .map_err(|e| format!("otpauth url: {e:?}"))?;
    Ok(format!(
        "{base}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}"
    ))
}

/// The QR code of the `otpauth://` URL as an SVG document, made on the server.
pub fn qr_svg(url: &str) -> Result<String, String> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| format!("qr code: {e}"))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#111827"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA1 rows (8-digit codes; ours are their last 6).
    #[test]
    fn rfc_6238_sha1_vectors() {
        let secret = b"12345678901234567890";
        let t = Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(8)
            .with_secret(Secret::from(secret.to_vec()))
            .build()
            .unwrap();
        for (time, code) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(t.generate(time).to_string(), code, "t={time}");
            assert_eq!(
                code_at(secret, time as i64),
                code[2..],
                "6 digits at t={time}"
            );
        }
    }

    #[test]
    fn drift_window_is_one_step_each_way() {
        let secret = new_secret();
        let now = 1_800_000_015; // inside a step
        let s = step_at(now);
        let at = |k: i64| code_at(&secret, (s + k) * 30);
        assert_eq!(matching_step(&secret, &at(0), now), Some(s));
        assert_eq!(matching_step(&secret, &at(-1), now), Some(s - 1));
        assert_eq!(matching_step(&secret, &at(1), now), Some(s + 1));
        assert_eq!(matching_step(&secret, &at(-2), now), None);
        assert_eq!(matching_step(&secret, &at(2), now), None);
        // Edges of the step: its first and last second still accept t-1 and t+1.
        assert_eq!(matching_step(&secret, &at(-1), s * 30), Some(s - 1));
        assert_eq!(matching_step(&secret, &at(1), s * 30 + 29), Some(s + 1));
    }

    #[test]
    fn typed_codes_are_normalised_and_checked() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(matching_step(&secret, &spaced, now).is_some());
        assert!(matching_step(&secret, "", now).is_none());
        assert!(matching_step(&secret, "12345", now).is_none());
        assert!(matching_step(&secret, "abcdef", now).is_none());
        assert!(matching_step(&secret, &format!("{code}0"), now).is_none());
    }

    #[test]
    fn secrets_are_twenty_random_bytes_in_unpadded_base32() {
        let a = new_secret();
        assert_eq!(a.len(), 20);
        assert_ne!(a, new_secret());
        let b32 = secret_base32(&a);
        assert_eq!(b32.len(), 32);
        assert!(!b32.contains('='));
        assert_eq!(grouped(&b32).split(' ').count(), 8);
    }

    #[test]
    fn otpauth_url_names_issuer_account_and_parameters() {
        let secret = [7u8; 20];
        let url = otpauth_url(&secret, "ann+work@example.com").unwrap();
        assert!(
            url.starts_with("otpauth://totp/Timether:ann%2Bwork%40example.com?"),
            "{url}"
        );
        for part in [
            &format!("secret={}", secret_base32(&secret)),
            "issuer=Timether",
            "algorithm=SHA1",
            "digits=6",
            "period=30",
        ] {
            assert!(url.contains(part), "{part} missing in {url}");
        }
        let svg = qr_svg(&url).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
