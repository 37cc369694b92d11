//! The backup round trip over generated workspaces (proptest): a generated
//! file is imported, exported, the workspace cleared, the export imported
//! again and exported once more: the two exports are the same document
//! (apart from `exported_at`). Archived rows, running timers, invoices with
//! lines, people who are not members, Unicode everywhere.

use crate::backup::same_moment;
use crate::common::*;
use app::backup::format::{self, Document};
use app::backup::ImportReport;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use uuid::Uuid;

/// A project: name, client, billable, rate, archived.
type ProjectShape = (String, Option<usize>, bool, Option<i64>, bool);
/// An invoice: client, status, lines (project name, seconds, rate).
type InvoiceShape = (Option<usize>, u8, Vec<(String, i64, i64)>);

/// A generated workspace, before ids and people are filled in.
#[derive(Clone, Debug)]
struct Shape {
    clients: Vec<(String, bool)>,
    projects: Vec<ProjectShape>,
    tags: Vec<String>,
    entries: Vec<Entry>,
    invoices: Vec<InvoiceShape>,
    running: bool,
}

#[derive(Clone, Debug)]
struct Entry {
    description: String,
    project: Option<usize>,
    tags: Vec<usize>,
    person: u8,
    start_minutes: i64,
    secs: i64,
    billable: bool,
    invoice: Option<usize>,
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9äöüßçé日本語🙂 ,.\"'&<>-]{0,24}"
}

fn shape() -> impl Strategy<Value = Shape> {
    let clients = prop::collection::vec((text(), any::<bool>()), 0..4);
    let projects = prop::collection::vec(
        (
            text(),
            prop::option::of(0usize..4),
            any::<bool>(),
            prop::option::of(0i64..50_000),
            any::<bool>(),
        ),
        0..4,
    );
    let tags = prop::collection::vec(text(), 0..4);
    let entries = prop::collection::vec(
        (
            text(),
            prop::option::of(0usize..4),
            prop::collection::vec(0usize..4, 0..3),
            0u8..3,
            0i64..500_000,
            1i64..40_000,
            any::<bool>(),
            prop::option::of(0usize..2),
        )
            .prop_map(
                |(description, project, tags, person, start_minutes, secs, billable, invoice)| {
                    Entry {
                        description,
                        project,
                        tags,
                        person,
                        start_minutes,
                        secs,
                        billable,
                        invoice,
                    }
                },
            ),
        0..12,
    );
    let invoices = prop::collection::vec(
        (
            prop::option::of(0usize..4),
            0u8..3,
            prop::collection::vec((text(), 0i64..100_000, 0i64..20_000), 0..3),
        ),
        0..3,
    );
    (clients, projects, tags, entries, invoices, any::<bool>()).prop_map(
        |(clients, projects, tags, entries, invoices, running)| Shape {
            clients,
            projects,
            tags,
            entries,
            invoices,
            running,
        },
    )
}

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes)
}

/// The shape as a backup file from another workspace; `me` is the
/// importer's email, the other people are not members.
fn document(s: &Shape, me: &str) -> Document {
    let people = [
        me.to_string(),
        "ana@example.com".into(),
        "bo@example.com".into(),
    ];
    let id = |_: usize| Uuid::now_v7();
    let clients: Vec<format::Client> = s
        .clients
        .iter()
        .enumerate()
        .map(|(i, (name, archived))| format::Client {
            id: id(i),
            name: format!("Client {i} {}", name.trim()),
            archived_at: archived.then(|| at(i as i64)),
            created_at: at(0),
        })
        .collect();
    let projects: Vec<format::Project> = s
        .projects
        .iter()
        .enumerate()
        .map(
            |(i, (name, client, billable, rate, archived))| format::Project {
                id: id(i),
                client_id: client.and_then(|c| clients.get(c)).map(|c| c.id),
                name: format!("Project {i} {}", name.trim()),
                color: format!("#{:02x}{:02x}a0", i * 40, i * 7),
                billable: *billable,
                hourly_rate_cents: *rate,
                archived_at: archived.then(|| at(3)),
                created_at: at(1),
            },
        )
        .collect();
    let tags: Vec<format::Tag> = s
        .tags
        .iter()
        .enumerate()
        .map(|(i, name)| format::Tag {
            id: id(i),
            name: format!("tag{i} {}", name.trim()),
            color: "#0ea5e9".into(),
            created_at: at(2),
        })
        .collect();
    let invoices: Vec<format::Invoice> = s
        .invoices
        .iter()
        .enumerate()
        .map(|(i, (client, status, lines))| {
            let lines: Vec<format::InvoiceLine> = lines
                .iter()
                .enumerate()
                .map(|(j, (name, secs, rate))| format::InvoiceLine {
                    position: j as i32,
                    project_name: name.clone(),
                    secs: *secs,
                    rate_cents: *rate,
                    amount_cents: secs * rate / 3600,
                })
                .collect();
            let subtotal: i64 = lines.iter().map(|l| l.amount_cents).sum();
            format::Invoice {
                id: id(i),
                number: i as i64 + 1,
                client_id: client.and_then(|c| clients.get(c)).map(|c| c.id),
                client_name: format!("Client {i}"),
                period_from: at(0).date_naive(),
                period_to: at(60 * 24 * 30).date_naive(),
                currency: "EUR".into(),
                tax_rate_bp: 1900,
                notes: "Danke für alles".into(),
                status: ["draft", "sent", "paid"][*status as usize].into(),
                subtotal_cents: subtotal,
                tax_cents: subtotal * 19 / 100,
                total_cents: subtotal + subtotal * 19 / 100,
                entry_count: 0,
                created_by: me.to_string(),
                created_at: at(5),
                sent_at: (*status > 0).then(|| at(6)),
                paid_at: (*status > 1).then(|| at(7)),
                lines,
            }
        })
        .collect();
    let time_entries: Vec<format::TimeEntry> = s
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut tag_ids: Vec<Uuid> = e
                .tags
                .iter()
                .filter_map(|t| tags.get(*t))
                .map(|t| t.id)
                .collect();
            tag_ids.sort();
            tag_ids.dedup();
            // One running timer at most, and only for the importer (the
            // others' time becomes the importer's too).
            let running = s.running && i == 0;
            format::TimeEntry {
                id: id(i),
                person: people[e.person as usize].clone(),
                description: e.description.trim().to_string(),
                project_id: e.project.and_then(|p| projects.get(p)).map(|p| p.id),
                tag_ids,
                billable: e.billable,
                started_at: at(e.start_minutes),
                ended_at: (!running).then(|| at(e.start_minutes) + Duration::seconds(e.secs)),
                invoice_id: if running {
                    None
                } else {
                    e.invoice.and_then(|x| invoices.get(x)).map(|x| x.id)
                },
                created_at: at(e.start_minutes),
                updated_at: at(e.start_minutes + 1),
            }
        })
        .collect();
    Document {
        format: format::FORMAT.into(),
        version: format::VERSION,
        exported_at: at(600_000),
        workspace: format::Workspace {
            id: Uuid::now_v7(),
            name: "Generated 日本".into(),
            currency: "EUR".into(),
            default_rate_cents: Some(9_000),
        },
        counts: format::Counts {
            members: 0,
            clients: clients.len() as u64,
            projects: projects.len() as u64,
            tags: tags.len() as u64,
            time_entries: time_entries.len() as u64,
            invoices: invoices.len() as u64,
        },
        members: vec![],
        clients,
        projects,
        tags,
        time_entries,
        invoices,
    }
}

async fn upload(c: &mut Client, query: &str, bytes: Vec<u8>) -> ImportReport {
    let r = upload_import(c, query, bytes).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn export(c: &mut Client) -> (String, Document) {
    let r = c.get("/exports/backup").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (r.body.clone(), serde_json::from_str(&r.body).unwrap())
}

/// One generated workspace through import, export, clear, import, export.
async fn round_trip(app: &TestApp, shape: &Shape) -> Result<(), TestCaseError> {
    let (mut me, email) = app.signed_up("Gen Erated").await;
    let file = document(shape, &email);
    let first = upload(&mut me, "mode=replace", serde_json::to_vec(&file).unwrap()).await;
    prop_assert!(first.applied, "{:?}", first.problems);
    let (body, exported) = export(&mut me).await;
    prop_assert_eq!(exported.counts.time_entries, file.counts.time_entries);

    let r = me
        .invoke(app::backup::clear::ClearWorkspace {
            confirm_name: exported.workspace.name.clone(),
            include_invoices: Some("on".into()),
        })
        .await;
    prop_assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let back = upload(&mut me, "mode=merge", body.into_bytes()).await;
    prop_assert!(back.applied, "{:?}", back.problems);
    let (_, again) = export(&mut me).await;
    prop_assert_eq!(same_moment(again, &exported), exported);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_clear_import_export_is_the_same_document() {
    let app = spawn().await;
    let cases = std::env::var("TIMETHER_ROUND_TRIP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    let failure = tokio::task::block_in_place(|| {
        runner
            .run(&shape(), |s| handle.block_on(round_trip(&app, &s)))
            .err()
            .map(|e| e.to_string())
    });
    if let Some(e) = failure {
        panic!("{e}");
    }
}
