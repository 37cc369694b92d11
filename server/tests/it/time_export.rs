//! Export CSV and its filter through the Data tab's download, the API and
//! the CLI, on SQLite or PostgreSQL: which rows a filter selects (days in
//! the person's timezone, DST, tags any/all/untagged, members' own time),
//! how cells are written, and that the totals agree with the Reports page.

use crate::common::*;
use app::entries::{CreateEntry, EntryForm};
use app::periods::Period;
use app::profile::UpdateProfile;
use app::projects::{CreateProject, ProjectInput};
use app::reports::GetReport;
use app::tags::SaveTag;
use app::time_export::PreviewExport;
use app::time_filter::{TagMode, TimeFilter};
use app::workspaces::UpdateRates;
use axum::http::{header, StatusCode};

/// One CSV file: the header, then the rows, as maps from column name.
struct Csv {
    header: Vec<String>,
    rows: Vec<std::collections::HashMap<String, String>>,
}

fn read_csv(body: &str, sep: u8) -> Csv {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(sep)
        .from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.expect("a CSV record");
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect();
    Csv { header, rows }
}

/// A Berlin owner with tags `dev` and `meetings`, a project at 100/h, and
/// entries chosen to sit on the edges of days:
/// - 2 Nov 09:00–10:30, dev + meetings, billable, a description with a comma and quotes;
/// - 4 Nov 00:30–01:30 (3 Nov 23:30 UTC), dev: 4 Nov in Berlin, 3 Nov in UTC;
/// - 5 Nov 10:00–10:15, no tags, not billable, a formula-like description;
/// - 25 Oct 23:30–23:45 (the day summer time ended) and 26 Oct 00:10–00:20.
///
/// Returns the owner, the workspace id and the tag ids (dev, meetings).
async fn berlin(app: &TestApp) -> (Client, String, String, String) {
    let (mut owner, _) = app.signed_up("Cleo Csv").await;
    let ws = owner.workspace_id().await;
    let r = owner
        .invoke(UpdateProfile {
            name: "Cleo Csv".into(),
            timezone: "Europe/Berlin".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = owner
        .invoke(UpdateRates {
            currency: "EUR".into(),
            default_rate: "".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let project = id(&owner
        .invoke(CreateProject {
            input: ProjectInput {
                name: "Site, \"new\"".into(),
                client_id: None,
                color: "#4f46e5".into(),
                billable: true,
                hourly_rate: "100".into(),
                archived: false,
            },
        })
        .await
        .json());
    let tag = |name: &'static str| {
        let mut c = owner.clone();
        async move {
            id(&c
                .invoke(SaveTag {
                    id: None,
                    name: name.into(),
                    color: "#0ea5e9".into(),
                })
                .await
                .json())
        }
    };
    let dev = tag("dev").await;
    let meet = tag("meetings").await;
    for (description, start, end, tags, billable) in [
        (
            "Build \"pages\", then ship – café ✓",
            "2026-11-02T09:00",
            "2026-11-02T10:30",
            vec![&dev, &meet],
            true,
        ),
        (
            "Night deploy",
            "2026-11-04T00:30",
            "2026-11-04T01:30",
            vec![&dev],
            true,
        ),
        (
            "=HYPERLINK(\"http://x\")",
            "2026-11-05T10:00",
            "2026-11-05T10:15",
            vec![],
            false,
        ),
        (
            "Late on the long night",
            "2026-10-25T23:30",
            "2026-10-25T23:45",
            vec![],
            false,
        ),
        (
            "Just after midnight",
            "2026-10-26T00:10",
            "2026-10-26T00:20",
            vec![],
            false,
        ),
    ] {
        let r = owner
            .invoke(CreateEntry {
                input: EntryForm {
                    project_id: Some(project.parse().unwrap()),
                    tag_ids: tags.iter().map(|t| t.parse().unwrap()).collect(),
                    billable: Some(billable),
                    ..new_entry(description, start, end)
                },
            })
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    (owner, ws, dev, meet)
}

fn range(from: &str, to: &str) -> String {
    format!("/exports/time-entries.csv?period=custom&from={from}&to={to}")
}

#[tokio::test]
async fn csv_rows_are_written_in_the_persons_time_with_every_column() {
    let app = spawn().await;
    let (mut owner, _ws, _dev, _meet) = berlin(&app).await;
    let r = owner.get(&range("2026-11-01", "2026-11-30")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"timether-cleo-s-workspace-2026-11-01-to-2026-11-30.csv\""
    );
    // The page's download starts with a BOM for Excel unless told not to.
    assert!(r.body.starts_with('\u{feff}'), "{:?}", &r.body[..10]);
    let csv = read_csv(&r.body, b',');
    assert_eq!(
        csv.header,
        app::time_export::csv_file::HEADER
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(csv.rows.len(), 3, "{}", r.body);
    let first = &csv.rows[0];
    assert_eq!(first["Date"], "2026-11-02");
    assert_eq!(first["Start"], "09:00:00");
    assert_eq!(first["End"], "10:30:00");
    assert_eq!(first["Start (ISO)"], "2026-11-02T09:00:00+01:00");
    assert_eq!(first["Duration (h:mm:ss)"], "1:30:00");
    assert_eq!(first["Duration (decimal hours)"], "1.50");
    // Commas, quotes and Unicode survive the round trip through quoting.
    assert_eq!(first["Description"], "Build \"pages\", then ship – café ✓");
    assert_eq!(first["Project"], "Site, \"new\"");
    assert_eq!(first["Tags"], "dev, meetings");
    assert_eq!(first["Billable"], "Yes");
    assert_eq!(first["Rate"], "100.00");
    assert_eq!(first["Amount"], "150.00");
    assert_eq!(first["Currency"], "EUR");
    assert_eq!(first["Person"], "Cleo Csv");
    assert!(first["Email"].starts_with("cleo.csv-"), "{first:?}");
    // After midnight in Berlin is the next day, whatever UTC says.
    let night = &csv.rows[1];
    assert_eq!(
        (night["Date"].as_str(), night["Start"].as_str()),
        ("2026-11-04", "00:30:00")
    );
    assert_eq!(night["Start (ISO)"], "2026-11-04T00:30:00+01:00");
    // A cell a spreadsheet would run is text; an unbilled entry earns nothing.
    let formula = &csv.rows[2];
    assert_eq!(formula["Description"], "'=HYPERLINK(\"http://x\")");
    assert_eq!(
        (formula["Billable"].as_str(), formula["Amount"].as_str()),
        ("No", "0.00")
    );

    // Without the BOM, with `;`.
    let r = owner
        .get(&format!(
            "{}&bom=false&separator=%3B",
            range("2026-11-01", "2026-11-30")
        ))
        .await;
    assert!(r.body.starts_with("Date;Start;End;"), "{}", r.body);
    assert_eq!(read_csv(&r.body, b';').rows.len(), 3);
}

#[tokio::test]
async fn days_follow_the_persons_timezone_across_midnight_and_dst() {
    let app = spawn().await;
    let (mut owner, _ws, _dev, _meet) = berlin(&app).await;
    let days = |body: &str| -> Vec<String> {
        read_csv(body, b',')
            .rows
            .iter()
            .map(|r| r["Description"].clone())
            .collect()
    };
    // 4 Nov 00:30 Berlin is 3 Nov in UTC: it belongs to the 4th here.
    assert_eq!(
        days(&owner.get(&range("2026-11-04", "2026-11-04")).await.body),
        ["Night deploy"]
    );
    assert!(days(&owner.get(&range("2026-11-03", "2026-11-03")).await.body).is_empty());
    // 25 Oct had 25 hours: 23:30 is still that day, 00:10 the next.
    assert_eq!(
        days(&owner.get(&range("2026-10-25", "2026-10-25")).await.body),
        ["Late on the long night"]
    );
    assert_eq!(
        days(&owner.get(&range("2026-10-26", "2026-10-26")).await.body),
        ["Just after midnight"]
    );
}

#[tokio::test]
async fn tag_filters_select_any_all_or_untagged() {
    let app = spawn().await;
    let (mut owner, _ws, dev, meet) = berlin(&app).await;
    let descriptions = |query: String| {
        let mut c = owner.clone();
        async move {
            let r = c
                .get(&format!("{}&{query}", range("2026-11-01", "2026-11-30")))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            read_csv(&r.body, b',')
                .rows
                .iter()
                .map(|r| r["Description"].clone())
                .collect::<Vec<_>>()
        }
    };
    let both = format!("{dev}%2C{meet}");
    assert_eq!(descriptions(format!("tag_ids={both}")).await.len(), 2);
    assert_eq!(
        descriptions(format!("tag_ids={both}&tag_mode=all")).await,
        ["Build \"pages\", then ship – café ✓"]
    );
    assert_eq!(
        descriptions(format!("tag_ids={meet}")).await,
        ["Build \"pages\", then ship – café ✓"]
    );
    assert_eq!(
        descriptions("tag_mode=untagged".into()).await,
        ["'=HYPERLINK(\"http://x\")"]
    );
    assert_eq!(descriptions("billable=false".into()).await.len(), 1);
    // A bad filter is a sentence, not an empty file.
    let r = owner.get(&range("2026-11-30", "2026-11-01")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("before the start date"), "{}", r.body);
    let r = owner
        .get(&format!(
            "{}&tag_mode=some",
            range("2026-11-01", "2026-11-30")
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("tag_mode=any, all or untagged"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn members_export_only_their_own_time() {
    let app = spawn().await;
    let (mut owner, ws, _dev, _meet) = berlin(&app).await;
    let (mut member, email) = app.signed_up("Mo Member").await;
    member
        .join(&mut owner, &email, &ws, app::types::Role::Member)
        .await;
    let r = member
        .invoke(CreateEntry {
            input: new_entry("Mine", "2026-11-06T09:00", "2026-11-06T10:00"),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let member_id = member.me().await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let owner_id = owner.me().await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let all = owner.get(&range("2026-11-01", "2026-11-30")).await;
    assert_eq!(read_csv(&all.body, b',').rows.len(), 4);
    let theirs = owner
        .get(&format!(
            "{}&user_id={member_id}",
            range("2026-11-01", "2026-11-30")
        ))
        .await;
    let rows = read_csv(&theirs.body, b',').rows;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["Person"], "Mo Member");

    let own = member.get(&range("2026-11-01", "2026-11-30")).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let rows = read_csv(&own.body, b',').rows;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["Description"], "Mine");
    let r = member
        .get(&format!(
            "{}&user_id={owner_id}",
            range("2026-11-01", "2026-11-30")
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn the_preview_and_the_csv_agree_with_the_reports_page() {
    let app = spawn().await;
    let (mut owner, _ws, dev, _meet) = berlin(&app).await;
    // A timer running now is left out of the file, and said to be.
    let r = owner.invoke(new_timer("Running")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let now = chrono::DateTime::from_timestamp(app.now(), 0).unwrap();
    let today = now
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive()
        .to_string();

    let filter = TimeFilter {
        period: Period::Custom,
        from: "2026-10-01".into(),
        to: today.clone(),
        ..Default::default()
    };
    let p = owner
        .invoke(PreviewExport {
            filter: filter.clone(),
        })
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let p = p.json();
    assert_eq!(p["entries"], 5);
    assert_eq!(p["running"], 1);
    // 1:30 + 1:00 + 0:15 + 0:15 + 0:10; 2:30 billable.
    assert_eq!(p["total_secs"], 11_400);
    assert_eq!(p["billable_secs"], 9_000);

    let csv = read_csv(
        &owner
            .get(&format!(
                "/exports/time-entries.csv?period=custom&from=2026-10-01&to={today}"
            ))
            .await
            .body,
        b',',
    );
    assert_eq!(csv.rows.len(), 5);
    let secs: i64 = csv
        .rows
        .iter()
        .map(|r| {
            let parts: Vec<i64> = r["Duration (h:mm:ss)"]
                .split(':')
                .map(|p| p.parse().unwrap())
                .collect();
            parts[0] * 3600 + parts[1] * 60 + parts[2]
        })
        .sum();
    assert_eq!(secs, 11_400);

    // The Reports page, with the same tag filter, sees what the file holds.
    let tagged = TimeFilter {
        period: Period::Custom,
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        tag_ids: vec![dev.parse().unwrap()],
        tag_mode: TagMode::All,
        ..Default::default()
    };
    let report = owner
        .invoke(GetReport {
            query: tagged.clone(),
        })
        .await
        .json();
    let p = owner.invoke(PreviewExport { filter: tagged }).await.json();
    assert_eq!(report["total_secs"], p["total_secs"]);
    assert_eq!(report["total_secs"], 9_000);
    assert_eq!(report["entry_count"], p["entries"]);
}

/// A long export (several of the reader's batches of 1,024 entries, three
/// years, five people, tags): every entry comes once, in start order.
#[tokio::test]
async fn a_long_csv_holds_every_entry_once_in_start_order() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Lars Long").await;
    let ws = owner.workspace_id().await;
    app.seed(&ws, 4000, "2026-12-01");
    let filter = TimeFilter {
        period: Period::Custom,
        from: "2022-01-01".into(),
        to: "2026-12-01".into(),
        ..Default::default()
    };
    let p = owner.invoke(PreviewExport { filter }).await.json();
    let csv = read_csv(
        &owner.get(&range("2022-01-01", "2026-12-01")).await.body,
        b',',
    );
    assert!(csv.rows.len() > 3_000, "{} rows", csv.rows.len());
    assert_eq!(Some(csv.rows.len() as u64), p["entries"].as_u64());
    let starts: Vec<_> = csv
        .rows
        .iter()
        .map(|r| chrono::DateTime::parse_from_rfc3339(&r["Start (ISO)"]).unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    let tagged = csv.rows.iter().filter(|r| !r["Tags"].is_empty()).count();
    assert!(tagged > 1_000, "{tagged} tagged rows");
}

#[tokio::test]
async fn the_api_exports_csv_by_tag_name_even_while_read_only() {
    let app = spawn().await;
    let (mut owner, ws, _dev, _meet) = berlin(&app).await;
    let token = app.team_token(&mut owner, "ReadOnly").await;
    let mut api = ApiClient::new(&owner, Some(&token), Some(&ws));
    let path = "/api/v1/exports/time-entries.csv?from=2026-11-01&to=2026-11-30";
    let r = api
        .get(&format!("{path}&tags=%23dev,MEETINGS&tag_mode=all"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // No BOM for machines unless asked.
    assert!(r.body.starts_with("Date,"), "{}", r.body);
    assert_eq!(read_csv(&r.body, b',').rows.len(), 1);
    // Formulas as they are, when a program asks for that.
    let r = api
        .get(&format!("{path}&tag_mode=untagged&escape_formulas=false"))
        .await;
    assert_eq!(
        read_csv(&r.body, b',').rows[0]["Description"],
        "=HYPERLINK(\"http://x\")"
    );
    // A tag that does not exist is named, not silently matched by nothing.
    let r = api.get(&format!("{path}&tags=dev,nope")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "tags");
    assert!(r.body.contains("#nope"), "{}", r.body);
    let r = api
        .get("/api/v1/exports/time-entries.csv?from=2026-11-01")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "to");
    // An export is a read: billing read-only does not stop it.
    app.set_billing(&ws, app::types::BillingStatus::ReadOnly)
        .await;
    let r = api.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(read_csv(&r.body, b',').rows.len(), 3);
}

#[tokio::test]
async fn the_cli_writes_the_same_csv() {
    let app = spawn().await;
    let (mut owner, ws, _dev, _meet) = berlin(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("time.csv");
    let out_arg = out.to_str().unwrap();
    // `timether export csv` over a range: whether it succeeded, and what
    // it printed (standard output, then standard error).
    let export = |from: &str, to: &str, more: &[&str]| {
        let mut args = vec![
            "export",
            "csv",
            "--workspace",
            &ws,
            "--from",
            from,
            "--to",
            to,
        ];
        args.extend_from_slice(more);
        let run = app.cli(&args);
        let said = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (run.status.success(), said(&run.stdout), said(&run.stderr))
    };
    let (ok, stdout, stderr) = export(
        "2026-11-01",
        "2026-11-30",
        &["--tags", "dev", "--out", out_arg],
    );
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("exported 2 time entries"), "{stdout}");
    let from_cli = std::fs::read_to_string(&out).unwrap();
    let r = owner
        .get(&format!(
            "{}&tags=dev&bom=false",
            range("2026-11-01", "2026-11-30")
        ))
        .await;
    assert_eq!(from_cli, r.body);

    // A timer running now is left out, and the command says so.
    let r = owner.invoke(new_timer("Running")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let today = chrono::DateTime::from_timestamp(app.now(), 0)
        .unwrap()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive()
        .to_string();
    let (_, stdout, stderr) = export("2026-10-01", &today, &["--out", out_arg]);
    assert!(
        stdout.contains("exported 5 time entries (1 running left out)"),
        "{stdout}{stderr}"
    );

    let (ok, _, stderr) = export("2026-11-01", "2026-13-01", &[]);
    assert!(!ok);
    assert!(stderr.contains("Enter a date like"), "{stderr}");
}

#[tokio::test]
async fn export_pdf_reads_as_a_report_of_the_filter() {
    let app = spawn().await;
    let (mut owner, ws, _dev, _meet) = berlin(&app).await;
    let path = "/exports/time-entries.pdf?period=custom&from=2026-11-01&to=2026-11-30";
    let r = owner.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"timether-cleo-s-workspace-2026-11-01-to-2026-11-30.pdf\""
    );
    let (text, pages) = pdf_text(&r.bytes);
    assert!(text.contains("workspace"), "{text}");
    assert!(text.contains("1 Nov – 30 Nov 2026"), "{text}");
    // The Reports page's totals: 1:30 + 1:00 + 0:15, 2:30 billable at 100/h.
    assert!(text.contains("2:45"), "{text}");
    assert!(text.contains("2:30"), "{text}");
    assert!(text.contains("250.00 EUR"), "{text}");
    assert!(text.contains("Night deploy"), "{text}");
    // Text from the description is text: nothing of it ran as markup.
    assert!(text.contains("=HYPERLINK(\"http://x\")"), "{text}");
    assert!(text.contains("Wednesday, 4 November 2026"), "{text}");
    assert_eq!(pages, 2, "{text}");

    // Summary only: the same totals and no entry table.
    let r = owner.get(&format!("{path}&detail=summary")).await;
    let (summary, summary_pages) = pdf_text(&r.bytes);
    assert!(summary.contains("2:45"));
    assert!(!summary.contains("Night deploy"), "{summary}");
    assert_eq!(summary_pages, 1);

    // More entries, more pages.
    app.seed(&ws, 3000, "2026-12-01");
    let (_, more) = pdf_text(&owner.get(path).await.bytes);
    assert!(more > 3, "{more} pages");

    // A bad detail is a sentence.
    let r = owner.get(&format!("{path}&detail=everything")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("detail=full or detail=summary"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn pdf_day_totals_split_entries_over_midnight_and_long_periods_chart_weeks() {
    let app = spawn().await;
    let (mut owner, _ws, _dev, _meet) = berlin(&app).await;
    // Sunday 8 Nov 22:00 to Monday 9 Nov 02:30 in Berlin: 2 h on Sunday,
    // 2 h 30 m on Monday; and half an hour on Monday morning.
    for (description, start, end) in [
        ("Release night", "2026-11-08T22:00", "2026-11-09T02:30"),
        ("Standup", "2026-11-09T09:00", "2026-11-09T09:30"),
    ] {
        let r = owner
            .invoke(CreateEntry {
                input: EntryForm {
                    billable: Some(false),
                    ..new_entry(description, start, end)
                },
            })
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = owner
        .get("/exports/time-entries.pdf?period=custom&from=2026-11-08&to=2026-11-09")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = pdf_lines(&r.bytes);
    let line = |start: &str| -> String {
        let found = text.lines().find(|l| l.trim_start().starts_with(start));
        found
            .unwrap_or_else(|| panic!("{start}: {text}"))
            .to_string()
    };
    // The heading's total is the day's hours, as the chart counts them.
    assert!(line("Sunday, 8 November 2026").ends_with(" 2:00"), "{text}");
    assert!(line("Monday, 9 November 2026").ends_with(" 3:00"), "{text}");
    assert!(
        line("22:00–02:30 +1").contains("4:30 Release night"),
        "{text}"
    );
    assert!(text.contains("Hours per day"), "{text}");

    // A quarter charts weeks; a year, months.
    let r = owner
        .get("/exports/time-entries.pdf?period=custom&from=2026-09-01&to=2026-11-30&detail=summary")
        .await;
    let (text, _) = pdf_text(&r.bytes);
    assert!(text.contains("Hours per week"), "{text}");
    assert!(text.contains("31 Aug"), "{text}");
    let r = owner
        .get("/exports/time-entries.pdf?period=custom&from=2026-01-01&to=2026-12-31&detail=summary")
        .await;
    let (text, _) = pdf_text(&r.bytes);
    assert!(text.contains("Hours per month"), "{text}");
}

#[tokio::test]
async fn a_pdf_over_the_time_limit_ends_with_a_sentence() {
    let app = spawn_with(|s| s.pdf_render_timeout_secs = 0).await;
    let (mut owner, ws, _dev, _meet) = berlin(&app).await;
    let r = owner
        .get("/exports/time-entries.pdf?period=custom&from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(r.body.contains("took longer than"), "{}", r.body);
    assert!(r.body.contains("summary only"), "{}", r.body);
    // The API says it in its error format.
    let token = app.team_token(&mut owner, "ReadOnly").await;
    let mut api = ApiClient::new(&owner, Some(&token), Some(&ws));
    let r = api
        .get("/api/v1/exports/time-entries.pdf?from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "too_slow");
}

#[tokio::test]
async fn the_api_and_the_cli_export_pdf() {
    let app = spawn().await;
    let (mut owner, ws, _dev, _meet) = berlin(&app).await;
    let token = app.team_token(&mut owner, "ReadOnly").await;
    let mut api = ApiClient::new(&owner, Some(&token), Some(&ws));
    let r = api
        .get("/api/v1/exports/time-entries.pdf?from=2026-11-01&to=2026-11-30&tags=dev&detail=full")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (text, _) = pdf_text(&r.bytes);
    assert!(text.contains("Tags: any of #dev"), "{text}");
    assert!(text.contains("Night deploy"), "{text}");
    assert!(!text.contains("HYPERLINK"), "{text}");
    let r = api
        .get("/api/v1/exports/time-entries.pdf?from=2026-11-01&to=2026-11-30&detail=none")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.pdf");
    let run = app.cli(&[
        "export",
        "pdf",
        "--workspace",
        &ws,
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--summary",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (text, pages) = pdf_text(&std::fs::read(&out).unwrap());
    assert!(text.contains("2:45"), "{text}");
    assert_eq!(pages, 1);
}
