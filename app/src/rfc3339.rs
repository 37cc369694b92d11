//! Reading times in the form we write them (`2026-12-01T09:30:00Z`,
//! `2026-12-01T09:30:00.123456+00:00`: Export JSON, and sqlx's text in
//! SQLite) on a short path, anything else through chrono as before.
//!
//! A million entries hold four million times; chrono's general RFC 3339
//! parser was a fifth of the import's first pass, and the CSV export reads
//! two times a row. The short path accepts a subset of what chrono accepts
//! and gives the same instant, so a text reads the same either way (a
//! property test compares them); everything outside it, errors included,
//! is chrono's.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// `text` as an instant, the way `DateTime<Utc>`'s own `Deserialize` reads
/// it.
pub fn parse(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    match quick(text.as_bytes()) {
        Some(t) => Ok(t),
        None => text.parse::<DateTime<Utc>>(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, up to nine digits of fraction, then `Z` or
/// `+00:00`; `None` for anything else (chrono then decides).
pub fn quick(b: &[u8]) -> Option<DateTime<Utc>> {
    let n = |r: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(r)?;
        digits.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let (year, month, day) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hour, minute, second) = (n(11..13)?, n(14..16)?, n(17..19)?);
    let mut at = 19;
    let mut nanos = 0u32;
    if sep(at, b'.') {
        let digits = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        nanos = n(at + 1..at + 1 + digits)? * 10u32.pow(9 - digits as u32);
        at += 1 + digits;
    }
    match &b[at..] {
        b"Z" | b"+00:00" => {}
        _ => return None,
    }
    // Leap seconds (`:60`) and impossible dates go to chrono.
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    (second < 60).then(|| NaiveDateTime::new(date, time).and_utc())
}

struct Instant;

impl Visitor<'_> for Instant {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an RFC 3339 date and time")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse(v).map_err(E::custom)
    }
}

/// For `#[serde(deserialize_with = "…")]` on a `DateTime<Utc>`.
pub fn de<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    d.deserialize_str(Instant)
}

/// For `#[serde(default, deserialize_with = "…")]` on an
/// `Option<DateTime<Utc>>` (`null` or absent is `None`).
pub fn de_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    struct Maybe;
    impl<'de> Visitor<'de> for Maybe {
        type Value = Option<DateTime<Utc>>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an RFC 3339 date and time, or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            de(d).map(Some)
        }
    }
    d.deserialize_option(Maybe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_export_forms_take_the_short_path() {
        for s in [
            "2026-12-01T09:30:00Z",
            "2026-12-01T09:30:00+00:00",
            "2024-02-29T23:59:59.5Z",
            "2026-12-01T09:30:00.123456789Z",
        ] {
            assert_eq!(quick(s.as_bytes()), Some(s.parse().unwrap()), "{s}");
        }
        // Valid RFC 3339 that only chrono reads, and nonsense both refuse.
        for s in [
            "2026-12-01T10:30:00+01:00",
            "2026-12-01 09:30:00Z",
            "2026-12-01t09:30:00z",
            "2016-12-31T23:59:60Z",
            "2026-12-01T09:30:00.1234567891Z",
        ] {
            assert_eq!(quick(s.as_bytes()), None, "{s}");
            assert_eq!(parse(s).ok(), s.parse().ok(), "{s}");
        }
        for s in [
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-01T24:00:00Z",
        ] {
            assert!(parse(s).is_err(), "{s}");
        }
    }

    proptest! {
        /// Whatever the text, the short path agrees with chrono: the same
        /// instant, or it steps aside.
        #[test]
        fn agrees_with_chrono(
            y in 0u32..10000, mo in 0u32..14, d in 0u32..33,
            h in 0u32..26, mi in 0u32..61, s in 0u32..62,
            frac in proptest::option::of("[0-9]{0,11}"),
            zone in prop_oneof!["Z", "z", "\\+00:00", "-00:00", "\\+01:30", "", "ZZ"],
        ) {
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{zone}");
            let theirs = text.parse::<DateTime<Utc>>().ok();
            if let Some(ours) = quick(text.as_bytes()) {
                prop_assert_eq!(Some(ours), theirs, "{}", text);
            }
            prop_assert_eq!(parse(&text).ok(), theirs, "{}", text);
        }
    }
}
