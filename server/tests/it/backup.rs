//! Export JSON (the workspace backup) through the Data tab's download, the
//! API and the CLI, on SQLite or PostgreSQL: what the document holds, what
//! it leaves out, who may export, and that it reads the same each way.

use crate::common::*;
use app::backup::format::{Document, FORMAT, VERSION};
use app::clients::CreateClient;
use app::entries::{CreateEntry, DeleteEntry, EntryForm};
use app::invoices::{CreateInvoice, InvoiceInput, InvoiceStatus, SetInvoiceStatus};
use app::projects::{CreateProject, ProjectInput, UpdateProject};
use app::tags::SaveTag;
use app::workspaces::UpdateRates;
use axum::http::{header, StatusCode};
use serde_json::json;
use std::io::Read;
use uuid::Uuid;

/// A workspace with a little of everything: a client, an archived
/// project, tags, finished and running entries, an issued invoice, a
/// member. Returns (owner, member, workspace id).
pub(crate) async fn filled(app: &TestApp) -> (Client, Client, String) {
    let (mut owner, _) = app.signed_up("Bea Backup").await;
    let ws = owner.workspace_id().await;
    let (mut member, member_email) = app.signed_up("Max Member").await;
    member
        .join(&mut owner, &member_email, &ws, app::types::Role::Member)
        .await;
    let r = owner
        .invoke(UpdateRates {
            currency: "EUR".into(),
            default_rate: "80".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let acme = id(&owner
        .invoke(CreateClient {
            name: "Acme".into(),
        })
        .await
        .json());
    let input = |name: &str, archived| ProjectInput {
        name: name.into(),
        client_id: Some(acme.parse().unwrap()),
        color: "#4f46e5".into(),
        billable: true,
        hourly_rate: "100".into(),
        archived,
    };
    let web = id(&owner
        .invoke(CreateProject {
            input: input("Website", false),
        })
        .await
        .json());
    let old = id(&owner
        .invoke(CreateProject {
            input: input("Legacy CRM", false),
        })
        .await
        .json());
    let tag = |name: &str| {
        let mut c = owner.clone();
        let save = SaveTag {
            id: None,
            name: name.into(),
            color: "#0ea5e9".into(),
        };
        async move { id(&c.invoke(save).await.json()) }
    };
    let dev = tag("dev").await;
    let meet = tag("meetings").await;
    let (dev, meet): (Uuid, Uuid) = (dev.parse().unwrap(), meet.parse().unwrap());
    for (start, end, tag_ids) in [
        ("2026-11-02T09:00", "2026-11-02T10:30", vec![dev, meet]),
        ("2026-11-03T09:00", "2026-11-03T12:00", vec![dev]),
    ] {
        let input = EntryForm {
            project_id: Some(web.parse().unwrap()),
            tag_ids,
            ..new_entry("Build \"pages\", then ship", start, end)
        };
        let r = owner.invoke(CreateEntry { input }).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = owner
        .invoke(CreateEntry {
            input: EntryForm {
                project_id: Some(old.parse().unwrap()),
                ..new_entry("Old work", "2026-10-01T09:00", "2026-10-01T10:00")
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = owner
        .invoke(UpdateProject {
            id: old.parse().unwrap(),
            input: input("Legacy CRM", true),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = member
        .invoke(CreateEntry {
            input: new_entry("Member's", "2026-11-04T09:00", "2026-11-04T09:45"),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = member.invoke(new_timer("Running")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = owner
        .invoke(CreateInvoice {
            input: InvoiceInput {
                client_id: Some(acme.parse().unwrap()),
                from: "2026-11-01".into(),
                to: "2026-11-30".into(),
                tax_rate: "19".into(),
                notes: "Thanks".into(),
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = owner
        .invoke(SetInvoiceStatus {
            id: uuid(&r.json()),
            status: InvoiceStatus::Sent,
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (owner, member, ws)
}

/// Checks `doc` against `docs/backup-v1.schema.json` with Python's
/// jsonschema (the Makefile names a Python that has it in
/// TIMETHER_TEST_PYTHON: scripts/python-deps.sh). The errors, if any.
fn schema_errors(doc: &str) -> Result<(), String> {
    const CHECK: &str = "import json, sys, jsonschema\n\
schema = json.load(open(sys.argv[1]))\n\
doc = json.load(open(sys.argv[2]))\n\
v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())\n\
errors = [('/'.join(map(str, e.path)) + ': ' + e.message) for e in v.iter_errors(doc)]\n\
print('\\n'.join(errors), file=sys.stderr)\n\
sys.exit(1 if errors else 0)\n";
    let python = std::env::var("TIMETHER_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/backup-v1.schema.json");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.json");
    std::fs::write(&file, doc).unwrap();
    let out = std::process::Command::new(&python)
        .args(["-c", CHECK, schema])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{python} with jsonschema (scripts/python-deps.sh): {e}"));
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `doc` as if exported at the moment `other` was: two exports differ in
/// nothing else.
pub(crate) fn same_moment(doc: Document, other: &Document) -> Document {
    Document {
        exported_at: other.exported_at,
        ..doc
    }
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .expect("a gzip file");
    out
}

#[tokio::test]
async fn export_json_holds_the_whole_workspace_and_no_secrets() {
    let app = spawn().await;
    let (mut owner, _member, ws) = filled(&app).await;
    // Another workspace's rows never appear.
    let (mut stranger, _) = app.signed_up("Stranger").await;
    let r = stranger
        .invoke(CreateEntry {
            input: new_entry("Not yours", "2026-11-02T09:00", "2026-11-02T10:00"),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // A deleted entry (still restorable) is not in the backup, nor counted.
    let r = owner
        .invoke(CreateEntry {
            input: new_entry("Deleted", "2026-11-05T09:00", "2026-11-05T10:00"),
        })
        .await;
    let deleted = id(&r.json());
    let r = owner
        .invoke(DeleteEntry {
            id: deleted.parse().unwrap(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = owner.get("/exports/backup").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/json");
    let day = chrono::DateTime::from_timestamp(app.now(), 0)
        .unwrap()
        .date_naive();
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"timether-bea-s-workspace-{day}.json\"").as_str()
    );
    let doc: Document = serde_json::from_str(&r.body).expect("a backup document");
    assert_eq!((doc.format.as_str(), doc.version), (FORMAT, VERSION));
    assert_eq!(doc.workspace.id.to_string(), ws);
    assert_eq!(doc.workspace.currency, "EUR");
    assert_eq!(doc.workspace.default_rate_cents, Some(8000));
    // The top-level keys, in the documented order.
    let keys: Vec<String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&r.body)
            .map(|m| m.keys().cloned().collect())
            .unwrap();
    let mut sorted_by_position = keys.clone();
    sorted_by_position.sort_by_key(|k| r.body.find(&format!("\"{k}\":")).unwrap());
    assert_eq!(
        sorted_by_position,
        [
            "format",
            "version",
            "exported_at",
            "workspace",
            "counts",
            "members",
            "clients",
            "projects",
            "tags",
            "time_entries",
            "invoices"
        ]
    );
    let c = &doc.counts;
    assert_eq!(
        (
            c.members,
            c.clients,
            c.projects,
            c.tags,
            c.time_entries,
            c.invoices
        ),
        (2, 1, 2, 2, 5, 1)
    );
    assert_eq!(doc.members.len() as u64, c.members);
    assert_eq!(doc.time_entries.len() as u64, c.time_entries);
    assert!(doc
        .members
        .iter()
        .any(|m| m.role == "member" && m.name == "Max Member"));
    // In id order, with their tags, people by email, the running one too.
    let ids: Vec<_> = doc.time_entries.iter().map(|e| e.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert!(doc
        .time_entries
        .iter()
        .any(|e| e.tag_ids.len() == 2 && e.description == "Build \"pages\", then ship"));
    let running: Vec<_> = doc
        .time_entries
        .iter()
        .filter(|e| e.ended_at.is_none())
        .collect();
    assert_eq!(running.len(), 1);
    assert!(
        running[0].person.starts_with("max.member"),
        "{}",
        running[0].person
    );
    assert!(doc
        .time_entries
        .iter()
        .all(|e| e.description != "Not yours" && e.description != "Deleted"));
    // Archived rows keep their state; the invoice keeps its snapshot.
    let legacy = doc
        .projects
        .iter()
        .find(|p| p.name == "Legacy CRM")
        .unwrap();
    assert!(legacy.archived_at.is_some());
    let inv = &doc.invoices[0];
    assert_eq!(
        (inv.status.as_str(), inv.client_name.as_str()),
        ("sent", "Acme")
    );
    assert_eq!(inv.lines.len(), 1);
    assert_eq!(inv.total_cents, inv.subtotal_cents + inv.tax_cents);
    let invoiced = doc
        .time_entries
        .iter()
        .filter(|e| e.invoice_id == Some(inv.id))
        .count();
    assert_eq!(invoiced as i64, inv.entry_count);
    // Nothing secret: no password hash, session, 2FA state or token.
    for secret in [
        "$argon2",
        "password",
        "token",
        "secret",
        "session",
        "timether_",
    ] {
        assert!(!r.body.contains(secret), "the backup holds {secret:?}");
    }

    // The document the schema in docs/ describes; the schema refuses what
    // a backup must not hold.
    schema_errors(&r.body).unwrap();
    let mut tampered: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    tampered["members"][0]["password_hash"] = json!("$argon2id$v=19$...");
    let err = schema_errors(&tampered.to_string()).unwrap_err();
    assert!(err.contains("password_hash"), "{err}");

    // The same document compressed, named .json.gz.
    let mut raw = owner.clone();
    let req = axum::http::Request::get("/exports/backup?gzip=true")
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(raw.router.clone(), {
        let mut req = req;
        req.headers_mut()
            .insert(header::COOKIE, raw.cookie.take().unwrap().parse().unwrap());
        req
    })
    .await
    .unwrap();
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/gzip");
    assert!(res.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .ends_with(".json.gz\""));
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let zipped: Document = serde_json::from_str(&gunzip(&bytes)).unwrap();
    assert_eq!(same_moment(zipped, &doc), doc);
}

#[tokio::test]
async fn only_owners_and_admins_export_through_either_door() {
    let app = spawn().await;
    let (mut owner, mut member, ws) = filled(&app).await;
    let r = member.get("/exports/backup").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(!r.body.contains("time_entries"));
    let mut anon = app.client();
    let r = anon.get("/exports/backup").await;
    assert_ne!(r.status, StatusCode::OK);

    // The API: a Team workspace's tokens; the member's token is refused.
    app.team(&ws).await;
    let owners = app.team_token(&mut owner, "ReadOnly").await;
    let members = app.team_token(&mut member, "ReadWrite").await;
    let mut v1 = ApiClient::new(&owner, Some(&members), Some(&ws));
    let r = v1.get("/api/v1/exports/backup").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Export is a read: a read-only token and a read-only workspace may.
    app.set_billing(&ws, app::types::BillingStatus::ReadOnly)
        .await;
    let mut v1 = ApiClient::new(&owner, Some(&owners), Some(&ws));
    let r = v1.get("/api/v1/exports/backup").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let via_api: Document = serde_json::from_str(&r.body).unwrap();
    let via_page: Document =
        serde_json::from_str(&owner.get("/exports/backup").await.body).unwrap();
    assert_eq!(same_moment(via_api, &via_page), via_page);
    let r = v1.get("/api/v1/exports/backup?gzip=maybe").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

#[tokio::test]
async fn the_cli_writes_the_same_document_to_a_file() {
    let app = spawn().await;
    let (mut owner, _member, ws) = filled(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backup.json.gz");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_timether"))
        .args(["--config", "/nonexistent/Leptos.toml", "backup", "export"])
        .args(["--workspace", &ws, "--gzip", "--out"])
        .arg(&out)
        .env("TIMETHER_DATABASE_URL", &app.url)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("5 time entries"), "{stdout}");
    let from_cli: Document = serde_json::from_str(&gunzip(&std::fs::read(&out).unwrap())).unwrap();
    let from_page: Document =
        serde_json::from_str(&owner.get("/exports/backup").await.body).unwrap();
    assert_eq!(same_moment(from_cli, &from_page), from_page);
    assert!(!dir.path().join("backup.json.gz.partial").exists());

    // A workspace that does not exist: a sentence, a failure, no file.
    let missing = dir.path().join("none.json");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_timether"))
        .args(["--config", "/nonexistent/Leptos.toml", "backup", "export"])
        .args(["--workspace", &uuid::Uuid::now_v7().to_string(), "--out"])
        .arg(&missing)
        .env("TIMETHER_DATABASE_URL", &app.url)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("workspace"));
    assert!(!missing.exists());
}
