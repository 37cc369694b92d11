//! How entries' dates travel to the browser. The list is the app's
//! largest answer and is decoded in the first download's code, so its
//! times are plain numbers (`chrono::serde::ts_milliseconds`) and its days
//! `YYYY-MM-DD` read here: chrono's general date parser (RFC 3339 and RFC
//! 2822, with their time zones) is never needed in the browser.

/// A [`chrono::NaiveDate`] as chrono writes it: `"YYYY-MM-DD"`, with a
/// sign and more digits for years outside 0 to 9999 (`"+10000-01-01"`).
pub mod ymd {
    use chrono::{Datelike, NaiveDate};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(day: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        let (y, m, d) = (day.year(), day.month(), day.day());
        if (0..=9999).contains(&y) {
            s.collect_str(&format_args!("{y:04}-{m:02}-{d:02}"))
        } else {
            s.collect_str(&format_args!("{y:+05}-{m:02}-{d:02}"))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse(&text).ok_or_else(|| D::Error::custom(format!("not a YYYY-MM-DD date: {text}")))
    }

    pub fn parse(text: &str) -> Option<NaiveDate> {
        let (sign, rest) = match text.as_bytes().first()? {
            b'+' => (1, &text[1..]),
            b'-' => (-1, &text[1..]),
            _ => (0, text),
        };
        let mut parts = rest.splitn(3, '-');
        // The next part: at least `min` ASCII digits, exactly `min` when `exact`.
        let mut next = |min: usize, exact: bool| {
            let part = parts.next()?;
            let ok = part.len() >= min
                && (!exact || part.len() == min)
                && part.bytes().all(|b| b.is_ascii_digit());
            ok.then(|| part.parse::<u32>().ok()).flatten()
        };
        let year = match sign {
            0 => next(4, true)? as i32,
            1 => i32::try_from(next(5, false)?).ok()?,
            _ => -i32::try_from(next(4, false)?).ok()?,
        };
        let (m, d) = (next(2, true)?, next(2, true)?);
        NaiveDate::from_ymd_opt(year, m, d)
    }
}
