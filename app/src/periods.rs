//! Local time: days, weeks and report periods in the person's timezone.
//! Times are stored in UTC; everything a person reads (which day an entry
//! belongs to, "this week", the clock times on a list) goes through here.
//! Every function takes the current time as an argument.

use serde::{Deserialize, Serialize};

/// A report or list period, resolved against "today" in the person's zone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Period {
    #[default]
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
    ThisYear,
    Custom,
}

impl Period {
    pub const ALL: [Period; 6] = [
        Period::ThisWeek,
        Period::LastWeek,
        Period::ThisMonth,
        Period::LastMonth,
        Period::ThisYear,
        Period::Custom,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Period::ThisWeek => "This week",
            Period::LastWeek => "Last week",
            Period::ThisMonth => "This month",
            Period::LastMonth => "Last month",
            Period::ThisYear => "This year",
            Period::Custom => "Custom",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::ThisWeek => "this-week",
            Period::LastWeek => "last-week",
            Period::ThisMonth => "this-month",
            Period::LastMonth => "last-month",
            Period::ThisYear => "this-year",
            Period::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// `h:mm:ss`, as the running timer shows it.
pub fn clock(secs: i64) -> String {
    let s = secs.max(0);
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// `h:mm`, for totals.
pub fn hours_minutes(secs: i64) -> String {
    let m = secs.max(0) / 60;
    format!("{}:{:02}", m / 60, m % 60)
}

/// Decimal hours with two places, e.g. `1.25` (for reports and invoices).
pub fn decimal_hours(secs: i64) -> String {
    let centi = (secs.max(0) * 100 + 1800) / 3600;
    format!("{}.{:02}", centi / 100, centi % 100)
}

/// Cents as `1,234.50` (no currency sign).
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", c % 100)
}

#[cfg(feature = "ssr")]
pub use local::*;

#[cfg(feature = "ssr")]
mod local {
    use super::Period;
    use crate::error::Error;
    use chrono::{
        DateTime, Datelike, Days, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime,
        TimeZone, Utc, Weekday,
    };
    use chrono_tz::Tz;

    /// The person's zone; an unknown name (never stored, but be safe) is UTC.
    pub fn zone(name: &str) -> Tz {
        name.parse().unwrap_or(Tz::UTC)
    }

    /// The local calendar day `t` falls on.
    pub fn local_day(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&tz).date_naive()
    }

    /// The first instant of `day` in `tz`. Where midnight does not exist
    /// (a DST jump at 00:00), the day starts at the first time that does.
    pub fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
        let mut t = day.and_time(NaiveTime::MIN);
        for _ in 0..48 {
            match tz.from_local_datetime(&t) {
                LocalResult::Single(x) => return x.with_timezone(&Utc),
                LocalResult::Ambiguous(a, _) => return a.with_timezone(&Utc),
                LocalResult::None => t += chrono::Duration::minutes(30),
            }
        }
        Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
    }

    /// `[start of first, start of the day after last)` in UTC.
    pub fn range_utc(tz: Tz, first: NaiveDate, last: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let end = last.checked_add_days(Days::new(1)).unwrap_or(last);
        (day_start(tz, first), day_start(tz, end))
    }

    /// The first and last day of a period, counted from today in `tz`.
    /// Weeks start on Monday.
    pub fn period_days(
        period: Period,
        tz: Tz,
        now: DateTime<Utc>,
        custom: Option<(NaiveDate, NaiveDate)>,
    ) -> (NaiveDate, NaiveDate) {
        let today = local_day(tz, now);
        let monday = today.week(Weekday::Mon).first_day();
        let first_of_month = today.with_day(1).unwrap_or(today);
        match period {
            Period::ThisWeek => (monday, monday + Days::new(6)),
            Period::LastWeek => (monday - Days::new(7), monday - Days::new(1)),
            Period::ThisMonth => (
                first_of_month,
                first_of_month + Months::new(1) - Days::new(1),
            ),
            Period::LastMonth => (
                first_of_month - Months::new(1),
                first_of_month - Days::new(1),
            ),
            Period::ThisYear => (
                today.with_ordinal(1).unwrap_or(today),
                today
                    .with_month(12)
                    .and_then(|d| d.with_day(31))
                    .unwrap_or(today),
            ),
            Period::Custom => custom.unwrap_or((monday, monday + Days::new(6))),
        }
    }

    /// Reads a `datetime-local` value (`2026-11-27T09:30`) in `tz`.
    /// A time skipped by a DST change is refused; a repeated one means the
    /// first occurrence.
    pub fn parse_local(tz: Tz, raw: &str, field: &str) -> Result<DateTime<Utc>, Error> {
        let raw = raw.trim();
        let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
            .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
            .map_err(|_| match long_year(raw) {
                Some(y) => Error::invalid(
                    field,
                    format!("Check the year: {y} is outside 1900 to 2999."),
                ),
                None => Error::invalid(field, "Enter a date and time like 2026-11-27 09:30."),
            })?;
        check_year(naive.year(), field)?;
        match tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
            LocalResult::None => Err(Error::invalid(
                field,
                format!(
                    "{} does not exist in {tz}: the clocks jump forward then. Pick a time before or after.",
                    naive.format("%H:%M on %-d %b %Y")
                ),
            )),
        }
    }

    /// The value for a `datetime-local` input.
    pub fn input_value(tz: Tz, t: DateTime<Utc>) -> String {
        t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
    }

    /// `09:30`.
    pub fn hm(tz: Tz, t: DateTime<Utc>) -> String {
        t.with_timezone(&tz).format("%H:%M").to_string()
    }

    /// "09:00 – 10:30", with the end's day when it is a later one:
    /// "08:00 – 14:00 +1"; "09:00 – now" while running.
    pub fn time_range(tz: Tz, start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> String {
        let Some(end) = end else {
            return format!("{} – now", hm(tz, start));
        };
        let days = (local_day(tz, end) - local_day(tz, start)).num_days();
        if days > 0 {
            format!("{} – {} +{days}", hm(tz, start), hm(tz, end))
        } else {
            format!("{} – {}", hm(tz, start), hm(tz, end))
        }
    }

    /// The seconds of `[start, end)` on each local day it touches, in
    /// order: a 30-hour entry from 08:00 gives 16 h, then 14 h.
    pub fn split_by_day(
        tz: Tz,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> impl Iterator<Item = (NaiveDate, i64)> {
        let mut at = start;
        std::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let day = local_day(tz, at);
            let next = day
                .checked_add_days(Days::new(1))
                .map(|d| day_start(tz, d))
                .filter(|n| *n > at)
                .unwrap_or(end)
                .min(end);
            let secs = (next - at).num_seconds();
            at = next;
            Some((day, secs))
        })
    }

    /// "Today", "Yesterday" or "Wed, 25 Nov 2026".
    pub fn day_label(day: NaiveDate, today: NaiveDate) -> String {
        if day == today {
            "Today".into()
        } else if Some(day) == today.pred_opt() {
            "Yesterday".into()
        } else {
            day.format("%a, %-d %b %Y").to_string()
        }
    }

    /// A date parsed from `YYYY-MM-DD`, in the years every date must fall in.
    pub fn parse_day(raw: &str, field: &str) -> Result<NaiveDate, Error> {
        let raw = raw.trim();
        let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| match long_year(raw) {
            Some(y) => Error::invalid(
                field,
                format!("Check the year: {y} is outside 1900 to 2999."),
            ),
            None => Error::invalid(field, "Enter a date like 2026-11-27."),
        })?;
        check_year(day.year(), field)?;
        Ok(day)
    }

    /// The year of a date that chrono refused for having more than four
    /// digits (it reads those only with a sign): date inputs send 20266-01-01
    /// for a slip, and the person should hear about the year, not the format
    /// (their input shows another one).
    fn long_year(raw: &str) -> Option<&str> {
        raw.strip_prefix('+')
            .unwrap_or(raw)
            .split('-')
            .next()
            .filter(|y| y.len() > 4 && y.bytes().all(|b| b.is_ascii_digit()))
    }

    /// Every date a person or a client sends falls in 1900 to 2999. Date
    /// inputs take years of up to six digits, so a slip like 20266 would
    /// file the time in another era; and day arithmetic near chrono's limits
    /// (year 262143) would overflow.
    pub fn check_year(year: i32, field: &str) -> Result<(), Error> {
        if (1900..=2999).contains(&year) {
            Ok(())
        } else {
            Err(Error::invalid(
                field,
                format!("Check the year: {year} is outside 1900 to 2999."),
            ))
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use chrono_tz::Tz;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn formats() {
        assert_eq!(clock(3725), "1:02:05");
        assert_eq!(clock(-5), "0:00:00");
        assert_eq!(hours_minutes(5400), "1:30");
        assert_eq!(decimal_hours(5400), "1.50");
        assert_eq!(decimal_hours(60), "0.02");
        assert_eq!(money(123456789), "1,234,567.89");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(-150), "-1.50");
    }

    #[test]
    fn days_follow_the_persons_zone() {
        let tz: Tz = "America/New_York".parse().unwrap();
        // 03:30 UTC on the 28th is still the evening of the 27th in New York.
        let t = Utc.with_ymd_and_hms(2026, 11, 28, 3, 30, 0).unwrap();
        assert_eq!(local_day(tz, t), d(2026, 11, 27));
        assert_eq!(local_day(Tz::UTC, t), d(2026, 11, 28));
        assert_eq!(day_label(d(2026, 11, 27), d(2026, 11, 27)), "Today");
        assert_eq!(day_label(d(2026, 11, 26), d(2026, 11, 27)), "Yesterday");
        assert_eq!(
            day_label(d(2026, 11, 25), d(2026, 11, 27)),
            "Wed, 25 Nov 2026"
        );
    }

    #[test]
    fn long_entries_split_at_local_midnights() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // 08:00 on 27 Nov to 14:00 on 28 Nov, Berlin time (UTC+1).
        let s = Utc.with_ymd_and_hms(2026, 11, 27, 7, 0, 0).unwrap();
        let e = Utc.with_ymd_and_hms(2026, 11, 28, 13, 0, 0).unwrap();
        let parts: Vec<_> = split_by_day(tz, s, e).collect();
        assert_eq!(
            parts,
            vec![(d(2026, 11, 27), 16 * 3600), (d(2026, 11, 28), 14 * 3600)]
        );
        assert_eq!(time_range(tz, s, Some(e)), "08:00 – 14:00 +1");
        assert_eq!(
            time_range(tz, s, Some(s + chrono::Duration::hours(2))),
            "08:00 – 10:00"
        );
        assert_eq!(time_range(tz, s, None), "08:00 – now");
        // Across the fall-back night the day is 25 hours long.
        let s = Utc.with_ymd_and_hms(2026, 10, 24, 22, 0, 0).unwrap();
        let e = Utc.with_ymd_and_hms(2026, 10, 26, 23, 0, 0).unwrap();
        let parts: Vec<_> = split_by_day(tz, s, e).collect();
        assert_eq!(
            parts,
            vec![(d(2026, 10, 25), 25 * 3600), (d(2026, 10, 26), 24 * 3600)]
        );
        assert_eq!(time_range(tz, s, Some(e)), "00:00 – 00:00 +2");
        assert_eq!(split_by_day(tz, e, e).count(), 0);
    }

    #[test]
    fn dst_days_are_23_and_25_hours_long() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let (s, e) = range_utc(tz, d(2026, 3, 29), d(2026, 3, 29));
        assert_eq!((e - s).num_hours(), 23);
        let (s, e) = range_utc(tz, d(2026, 10, 25), d(2026, 10, 25));
        assert_eq!((e - s).num_hours(), 25);
        // 02:30 on the spring-forward day does not exist in Berlin.
        let err = parse_local(tz, "2026-03-29T02:30", "start").unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        // 02:30 on the fall-back day happens twice: the first one is meant.
        let t = parse_local(tz, "2026-10-25T02:30", "start").unwrap();
        assert_eq!(t, Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap());
        assert!(parse_local(tz, "yesterday", "start").is_err());
        // A five-digit year names the year, not a format the input does not show.
        let err = parse_local(tz, "20266-11-27T09:30", "start").unwrap_err();
        assert!(
            err.to_string().contains("20266 is outside 1900 to 2999"),
            "{err}"
        );
    }

    #[test]
    fn a_mistyped_year_is_refused_with_the_year_named() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let err = parse_local(tz, "+20266-11-27T09:30", "start").unwrap_err();
        assert!(
            err.to_string().contains("20266 is outside 1900 to 2999"),
            "{err}"
        );
        assert!(parse_local(tz, "1899-12-31T23:59", "end").is_err());
        assert!(parse_local(tz, "1900-01-01T00:00", "end").is_ok());
        // Days too: near chrono's limits, day arithmetic used to panic.
        for far in [
            "+262142-12-31",
            "-262143-01-01",
            "20266-01-01",
            "1899-12-31",
            "3000-01-01",
        ] {
            let err = parse_day(far, "to").unwrap_err().to_string();
            assert!(err.contains("outside 1900 to 2999"), "{far}: {err}");
        }
        assert!(parse_day("2999-12-31", "to").is_ok());
        assert!(parse_local(tz, "2999-12-31T23:59", "end").is_ok());
    }

    #[test]
    fn a_zone_whose_midnight_is_skipped_starts_the_day_after_the_gap() {
        // Chile springs forward at 00:00 (to 01:00) on 6 Sep 2026.
        let tz: Tz = "America/Santiago".parse().unwrap();
        let s = day_start(tz, d(2026, 9, 6));
        assert_eq!(local_day(tz, s), d(2026, 9, 6));
        assert_eq!(hm(tz, s), "01:00");
    }

    #[test]
    fn periods_start_on_monday_and_cover_whole_months() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // Friday 27 Nov 2026, 23:30 in Berlin (22:30 UTC).
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 22, 30, 0).unwrap();
        assert_eq!(
            period_days(Period::ThisWeek, tz, now, None),
            (d(2026, 11, 23), d(2026, 11, 29))
        );
        assert_eq!(
            period_days(Period::LastWeek, tz, now, None),
            (d(2026, 11, 16), d(2026, 11, 22))
        );
        assert_eq!(
            period_days(Period::ThisMonth, tz, now, None),
            (d(2026, 11, 1), d(2026, 11, 30))
        );
        assert_eq!(
            period_days(Period::LastMonth, tz, now, None),
            (d(2026, 10, 1), d(2026, 10, 31))
        );
        assert_eq!(
            period_days(Period::ThisYear, tz, now, None),
            (d(2026, 1, 1), d(2026, 12, 31))
        );
        // Sunday 29 Nov, 23:30 UTC is already Monday the 30th in Berlin.
        let late = Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap();
        assert_eq!(
            period_days(Period::ThisWeek, tz, late, None).0,
            d(2026, 11, 30)
        );
        assert_eq!(
            period_days(Period::ThisWeek, Tz::UTC, late, None).0,
            d(2026, 11, 23)
        );
        for p in Period::ALL {
            assert_eq!(Period::parse(p.as_str()), Some(p));
        }
    }
}
