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

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::Serializer;
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

/// `t` as chrono's own `Serialize` writes it (`to_rfc3339_opts(AutoSi,
/// true)`: `Z`, and a fraction of 3, 6 or 9 digits only when there is
/// one), into `buf`; `None` for a year outside 0 to 9999 or a leap second,
/// which chrono then writes.
fn write(t: &DateTime<Utc>, buf: &mut [u8; 30]) -> Option<usize> {
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = t.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let (fraction, digits) = match nanos {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    let mut w = Out { buf, at: 0 };
    w.num(year, 4);
    w.byte(b'-');
    w.num(t.month(), 2);
    w.byte(b'-');
    w.num(t.day(), 2);
    w.byte(b'T');
    w.num(t.hour(), 2);
    w.byte(b':');
    w.num(t.minute(), 2);
    w.byte(b':');
    w.num(t.second(), 2);
    if digits > 0 {
        w.byte(b'.');
        w.num(fraction, digits);
    }
    w.byte(b'Z');
    Some(w.at)
}

/// The buffer [`write`] fills (30 bytes: the longest form is
/// `9999-12-31T23:59:59.999999999Z`).
struct Out<'a> {
    buf: &'a mut [u8; 30],
    at: usize,
}

impl Out<'_> {
    fn byte(&mut self, b: u8) {
        self.buf[self.at] = b;
        self.at += 1;
    }

    /// `n` in `digits` digits, zero-padded.
    fn num(&mut self, n: u32, digits: u32) {
        for k in (0..digits).rev() {
            self.byte(b'0' + (n / 10u32.pow(k) % 10) as u8);
        }
    }
}

/// For `#[serde(serialize_with = "…")]` on a `DateTime<Utc>`: the same text
/// as chrono's `Serialize`, without its character-at-a-time formatter (a
/// third of the time Export JSON spent writing an entry's fields).
pub fn ser<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 30];
    match write(t, &mut buf) {
        // Only ASCII digits and separators were written.
        Some(n) => s.serialize_str(std::str::from_utf8(&buf[..n]).unwrap_or_default()),
        None => serde::Serialize::serialize(t, s),
    }
}

/// [`ser`] for an `Option<DateTime<Utc>>` (`null` for `None`).
pub fn ser_option<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => ser(t, s),
        None => s.serialize_none(),
    }
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

    /// Written through [`ser`] and through chrono's `Serialize`.
    fn both(t: DateTime<Utc>) -> (String, String) {
        #[derive(serde::Serialize)]
        struct Ours(#[serde(serialize_with = "ser")] DateTime<Utc>);
        (
            serde_json::to_string(&Ours(t)).unwrap(),
            serde_json::to_string(&t).unwrap(),
        )
    }

    #[test]
    fn writes_what_chrono_writes() {
        for s in [
            "2026-12-01T09:30:00Z",
            "2026-12-01T09:30:00.5Z",
            "2026-12-01T09:30:00.000123Z",
            "2026-12-01T09:30:00.000000007Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "2016-12-31T23:59:60.5Z",
        ] {
            let t: DateTime<Utc> = s.parse().unwrap();
            let (ours, theirs) = both(t);
            assert_eq!(ours, theirs, "{s}");
        }
        let far = DateTime::<Utc>::from_timestamp(300_000_000_000, 0).unwrap();
        let (ours, theirs) = both(far);
        assert_eq!(ours, theirs);
    }

    proptest! {
        /// Any instant is written as chrono writes it.
        #[test]
        fn writes_like_chrono(secs in -62_000_000_000i64..260_000_000_000, nanos in 0u32..1_000_000_000, round in 0usize..4) {
            let nanos = [nanos, nanos / 1000 * 1000, nanos / 1_000_000 * 1_000_000, 0][round];
            let t = DateTime::<Utc>::from_timestamp(secs, nanos).unwrap();
            let (ours, theirs) = both(t);
            prop_assert_eq!(ours, theirs);
        }

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
