use super::*;
use chrono::TimeZone;

#[test]
fn list_days_and_times_round_trip_on_the_wire() {
    let start =
        Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 15).unwrap() + chrono::Duration::milliseconds(250);
    let day = DayGroup {
        day: NaiveDate::from_ymd_opt(987, 2, 28).unwrap(),
        label: "Sat".into(),
        total_secs: 60,
        entries: vec![entry(start, 60)],
    };
    let json = serde_json::to_value(&day).unwrap();
    assert_eq!(json["day"], "0987-02-28");
    assert_eq!(json["entries"][0]["started_at"], start.timestamp_millis());
    let back: DayGroup = serde_json::from_value(json).unwrap();
    assert_eq!(back, day);
    for bad in [
        "2026-2-28",
        "2026-02-30",
        "20260228",
        "2026-02-28x",
        "",
        "+202-02-28",
        "12026-01-01",
        "-26-01-01",
    ] {
        assert_eq!(wire::ymd::parse(bad), None, "{bad}");
    }
    // Years chrono writes with a sign read back as themselves.
    for year in [-44, 0, 10_000, 262_000] {
        let day = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
        assert_eq!(wire::ymd::parse(&day.to_string()), Some(day), "{day}");
        let group = DayGroup {
            day,
            label: String::new(),
            total_secs: 0,
            entries: vec![],
        };
        assert_eq!(
            serde_json::to_value(&group).unwrap()["day"],
            day.to_string()
        );
    }
    assert!(serde_json::from_str::<DayGroup>(
        r#"{"day":"2026-13-01","label":"","total_secs":0,"entries":[]}"#
    )
    .is_err());
}

fn entry(start: DateTime<Utc>, secs: i64) -> TimeEntry {
    TimeEntry {
        id: Uuid::now_v7(),
        user_id: Uuid::nil(),
        description: String::new(),
        project: None,
        tags: vec![],
        billable: false,
        started_at: start,
        ended_at: Some(start + chrono::Duration::seconds(secs)),
        duration_secs: secs,
        start_input: String::new(),
        end_input: String::new(),
        time_range: String::new(),
        invoiced: false,
    }
}

#[test]
fn entries_group_by_the_local_day_they_started() {
    let tz: chrono_tz::Tz = "America/Los_Angeles".parse().unwrap();
    // 06:00 UTC on the 28th is 22:00 on the 27th in Los Angeles.
    let list = vec![
        entry(Utc.with_ymd_and_hms(2026, 11, 28, 18, 0, 0).unwrap(), 3600),
        entry(Utc.with_ymd_and_hms(2026, 11, 28, 6, 0, 0).unwrap(), 1800),
        entry(Utc.with_ymd_and_hms(2026, 11, 27, 17, 0, 0).unwrap(), 600),
    ];
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let days = group_by_day(
        list,
        |e| crate::periods::local_day(tz, e.started_at),
        |d| crate::periods::day_label(d, today),
        |_| None,
    );
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].label, "Today");
    assert_eq!(days[0].total_secs, 3600);
    assert_eq!(days[1].label, "Yesterday");
    assert_eq!(days[1].entries.len(), 2);
    assert_eq!(days[1].total_secs, 2400);
    // A total from the database (the whole day) wins over the page's sum.
    let days = group_by_day(
        vec![entry(
            Utc.with_ymd_and_hms(2026, 11, 28, 18, 0, 0).unwrap(),
            60,
        )],
        |e| crate::periods::local_day(tz, e.started_at),
        |d| crate::periods::day_label(d, today),
        |_| Some(7200),
    );
    assert_eq!(days[0].total_secs, 7200);
}

#[test]
fn manual_entries_need_an_end_after_the_start_and_confirmation_past_24_hours() {
    let tz: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let input = |start: &str, end: &str, confirm_long| EntryForm {
        start: start.into(),
        end: end.into(),
        confirm_long,
        ..Default::default()
    };
    let span = |tz, form: &EntryForm| {
        let e = form.parse(tz)?;
        service::checked_span(e.start, e.end, e.confirm_long).map(|()| (e.start, e.end))
    };
    let err = span(tz, &input("2026-11-27T10:00", "2026-11-27T09:00", false)).unwrap_err();
    assert!(err.to_string().contains("after the start"), "{err}");
    let err = span(tz, &input("2026-11-26T08:00", "2026-11-27T09:00", false)).unwrap_err();
    assert!(
        matches!(&err, crate::error::Error::Invalid { field: Some(f), .. } if f == "confirm_long")
    );
    let (s, e) = span(tz, &input("2026-11-26T08:00", "2026-11-27T09:00", true)).unwrap();
    assert_eq!((e - s).num_hours(), 25);
    // Across the autumn DST change the wall clock says 3 hours, the
    // entry lasts 4.
    let (s, e) = span(tz, &input("2026-10-25T00:30", "2026-10-25T03:30", false)).unwrap();
    assert_eq!((e - s).num_hours(), 4);
}
