//! Import JSON through the Data tab's upload (followed to the end of its
//! job), the API and the CLI: the preview says what the import does, merge
//! twice changes nothing, replace makes the workspace the file's, another
//! workspace's file gets new ids, bad files change nothing and say why, and
//! who may import.

use crate::backup::{filled, same_moment};
use crate::common::*;
use app::backup::format::Document;
use app::backup::ImportReport;
use app::entries::{EntryFilter, ListEntries};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;

fn report(r: &Response) -> ImportReport {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not a report ({e}): {}", r.body))
}

async fn export(c: &mut Client) -> (String, Document) {
    let r = c.get("/exports/backup").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let doc = serde_json::from_str(&r.body).unwrap();
    (r.body, doc)
}

/// (new, updated, unchanged) for one kind.
fn counts(r: &ImportReport, kind: &str) -> (u64, u64, u64) {
    let p = r
        .plan(kind)
        .unwrap_or_else(|| panic!("no plan for {kind}: {r:?}"));
    (p.new, p.updated, p.unchanged)
}

/// The same document with no rows at all.
fn emptied(doc: &Document) -> Document {
    Document {
        counts: Default::default(),
        members: vec![],
        clients: vec![],
        projects: vec![],
        tags: vec![],
        time_entries: vec![],
        invoices: vec![],
        ..doc.clone()
    }
}

#[tokio::test]
async fn replace_then_merge_gives_back_the_same_workspace_and_twice_changes_nothing() {
    let app = spawn().await;
    let (mut owner, _member, ws) = filled(&app).await;
    let (body, before) = export(&mut owner).await;

    // The preview of the workspace's own file: everything unchanged, and
    // nothing is written by a preview.
    let r = upload_import(
        &mut owner,
        "mode=merge&dry_run=true",
        body.clone().into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let preview = report(&r);
    assert!(preview.ok(), "{:?}", preview.problems);
    assert!(!preview.applied && !preview.new_ids);
    assert_eq!(preview.target_id.to_string(), ws);
    assert_eq!(preview.target_name, before.workspace.name);
    assert_eq!(counts(&preview, "time_entries"), (0, 0, 5));
    assert_eq!(counts(&preview, "projects"), (0, 0, 2));
    assert_eq!(counts(&preview, "invoices"), (0, 0, 1));
    assert!(
        preview.unknown_people.is_empty(),
        "{:?}",
        preview.unknown_people
    );

    // Replace with an empty file: the workspace's rows go, members stay.
    let empty = serde_json::to_vec(&emptied(&before)).unwrap();
    let r = upload_import(&mut owner, "mode=replace&dry_run=true", empty.clone()).await;
    let p = report(&r);
    assert_eq!(p.plan("time_entries").unwrap().removed, 5, "{p:?}");
    let (_, unchanged) = export(&mut owner).await;
    assert_eq!(same_moment(unchanged, &before), before);
    let r = upload_import(&mut owner, "mode=replace", empty).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(report(&r).applied);
    let (_, cleared) = export(&mut owner).await;
    assert_eq!(cleared.counts.time_entries, 0);
    assert_eq!(cleared.counts.invoices, 0);
    assert_eq!(cleared.counts.members, 2);

    // Merge the backup back: the same document as before.
    let r = upload_import(&mut owner, "mode=merge", body.clone().into_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done = report(&r);
    assert!(done.applied, "{:?}", done.problems);
    assert_eq!(counts(&done, "time_entries"), (5, 0, 0));
    let (_, after) = export(&mut owner).await;
    assert_eq!(same_moment(after, &before), before);

    // The same file again: every row unchanged, nothing written.
    let r = upload_import(&mut owner, "mode=merge", body.into_bytes()).await;
    let again = report(&r);
    assert!(again.applied);
    for p in &again.plans {
        assert_eq!((p.new, p.updated), (0, 0), "{p:?}");
    }
    let (_, still) = export(&mut owner).await;
    assert_eq!(same_moment(still, &before), before);

    // The entries page shows the entries again.
    let r = owner
        .invoke(ListEntries {
            filter: EntryFilter::default(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("Build \\\"pages\\\", then ship"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn another_workspaces_file_gets_new_ids_and_leaves_the_source_alone() {
    let app = spawn().await;
    let (mut owner, _member, _ws) = filled(&app).await;
    let (body, source) = export(&mut owner).await;
    let (mut other, _) = app.signed_up("Olga Other").await;
    let other_ws = other.workspace_id().await;

    // Sent gzip-compressed, as a .json.gz backup is.
    let zipped = gzipped(body.as_bytes());
    let r = upload_import(&mut other, "dry_run=true", zipped.clone()).await;
    let preview = report(&r);
    assert!(preview.ok(), "{:?}", preview.problems);
    assert!(preview.new_ids);
    assert_eq!(preview.target_id.to_string(), other_ws);
    assert_eq!(preview.source_id, Some(source.workspace.id));
    assert_eq!(counts(&preview, "time_entries"), (5, 0, 0));
    // Bea and Max are not members here: their time goes to Olga.
    assert_eq!(
        preview.unknown_people.len(),
        2,
        "{:?}",
        preview.unknown_people
    );

    let r = upload_import(&mut other, "", zipped.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(report(&r).applied);
    let (_, copy) = export(&mut other).await;
    assert_eq!(copy.counts.time_entries, 5);
    assert_eq!(copy.counts.invoices, 1);
    let source_ids: std::collections::HashSet<_> =
        source.time_entries.iter().map(|e| e.id).collect();
    assert!(copy
        .time_entries
        .iter()
        .all(|e| !source_ids.contains(&e.id)));
    assert!(copy
        .projects
        .iter()
        .all(|p| source.projects.iter().all(|s| s.id != p.id)));
    // References follow the new ids.
    let web = copy.projects.iter().find(|p| p.name == "Website").unwrap();
    assert!(copy
        .time_entries
        .iter()
        .any(|e| e.project_id == Some(web.id)));
    let inv = &copy.invoices[0];
    assert_eq!(
        copy.time_entries
            .iter()
            .filter(|e| e.invoice_id == Some(inv.id))
            .count() as i64,
        inv.entry_count
    );
    assert!(copy
        .time_entries
        .iter()
        .all(|e| e.person.starts_with("olga.other")));

    // Again: the same derived ids, nothing new.
    let r = upload_import(&mut other, "", zipped).await;
    let again = report(&r);
    assert_eq!(counts(&again, "time_entries"), (0, 0, 5), "{again:?}");
    // The source workspace did not change.
    let (_, source_after) = export(&mut owner).await;
    assert_eq!(same_moment(source_after, &source), source);
}

#[tokio::test]
async fn bad_files_change_nothing_and_say_where() {
    let app = spawn_with(|s| s.import_body_limit_bytes = 20 << 20).await;
    let (mut owner, _member, _ws) = filled(&app).await;
    let (body, before) = export(&mut owner).await;
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut d = doc.clone();
        f(&mut d);
        d.to_string().into_bytes()
    };
    let entry_project = doc["projects"][0]["id"].clone();
    let cut_gzip = {
        let whole = gzipped(body.as_bytes());
        whole[..whole.len() / 2].to_vec()
    };
    let bad_checksum = {
        let mut whole = gzipped(body.as_bytes());
        // The trailer's CRC-32 is the last eight bytes' first four.
        let at = whole.len() - 8;
        whole[at] ^= 0xff;
        whole
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not JSON", b"hello".to_vec(), "not valid JSON"),
        ("gzip cut off", cut_gzip, "could not be decompressed"),
        ("gzip checksum", bad_checksum, "could not be decompressed"),
        (
            "truncated",
            body.as_bytes()[..body.len() / 2].to_vec(),
            "ends too early",
        ),
        (
            "gzip garbage",
            vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4],
            "could not be decompressed",
        ),
        (
            "wrong format",
            edit(&|d| d["format"] = json!("toggl-export")),
            "not a Timether backup",
        ),
        (
            "a future version",
            edit(&|d| d["version"] = json!(2)),
            "version 2",
        ),
        (
            "an unknown field",
            edit(&|d| d["time_entries"][0]["hourly_rate"] = json!(5)),
            "time_entries[0].hourly_rate: unknown field `hourly_rate`",
        ),
        (
            "an entry ending before it starts",
            edit(&|d| d["time_entries"][1]["ended_at"] = json!("2000-01-01T00:00:00Z")),
            "time_entries[1].ended_at: before started_at",
        ),
        (
            "a project that is not in the file",
            edit(&|d| d["time_entries"][0]["project_id"] = json!(uuid::Uuid::now_v7().to_string())),
            "time_entries[0].project_id: no project with this id in the file",
        ),
        (
            "duplicate ids",
            edit(&|d| d["projects"][1]["id"] = entry_project.clone()),
            "projects[1].id: another row of projects has the same id",
        ),
        (
            "10,000-deep nesting",
            format!(
                "{{\"format\":\"timether-backup\",\"version\":1,\"time_entries\":{}",
                "[".repeat(10_000)
            )
            .into_bytes(),
            "time_entries[0][0]: invalid type: sequence",
        ),
        (
            "a 10 MB description",
            edit(&|d| d["time_entries"][0]["description"] = json!("x".repeat(10 << 20))),
            "time_entries[0].description: Use at most 2,000 characters.",
        ),
    ];
    for (what, bytes, says) in cases {
        for query in ["dry_run=true", "mode=merge"] {
            let r = upload_import(&mut owner, query, bytes.clone()).await;
            let expected = if query.contains("dry_run") {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            assert_eq!(r.status, expected, "{what}: {}", r.body);
            let rep = report(&r);
            assert!(!rep.applied, "{what}");
            let all: Vec<String> = rep.problems.iter().map(ToString::to_string).collect();
            assert!(
                all.iter().any(|p| p.contains(says)),
                "{what}: expected {says:?} in {all:?}"
            );
        }
    }
    // Every problem is listed, not just the first.
    let two = edit(&|d| {
        d["time_entries"][0]["ended_at"] = json!("2000-01-01T00:00:00Z");
        d["tags"][0]["color"] = json!("red");
    });
    let rep = report(&upload_import(&mut owner, "dry_run=true", two).await);
    assert_eq!(rep.problems.len(), 2, "{:?}", rep.problems);

    // Over the size limit: 413 with a sentence naming it.
    let r = upload_import(&mut owner, "dry_run=true", vec![b' '; 21 << 20]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.body.contains("import limit of 20 MB"), "{}", r.body);

    let (_, after) = export(&mut owner).await;
    assert_eq!(same_moment(after, &before), before);
}

#[tokio::test]
async fn only_owners_and_admins_import_and_never_while_read_only() {
    let app = spawn().await;
    let (mut owner, mut member, ws) = filled(&app).await;
    let (body, before) = export(&mut owner).await;
    let r = upload_import(&mut member, "dry_run=true", body.clone().into_bytes()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // A cross-site upload is refused before it is read.
    let mut forged = owner.clone();
    forged.origin = Some("https://evil.example".into());
    let r = upload_import(&mut forged, "", body.clone().into_bytes()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // The API: a Team workspace's owner token imports; a member's cannot.
    app.team(&ws).await;
    let owners = app.team_token(&mut owner, "ReadWrite").await;
    let members = app.team_token(&mut member, "ReadWrite").await;
    let browser = owner.clone();
    let post = |token: String, query: &'static str| {
        let mut c = browser.clone();
        let body = body.clone();
        let ws = ws.clone();
        async move {
            let req = Request::post(format!("/api/v1/imports{query}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header("X-Workspace-Id", ws)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap();
            c.origin = None;
            c.cookie = None;
            c.send(req).await
        }
    };
    let r = post(members, "?dry_run=true").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = post(owners.clone(), "?mode=merge&dry_run=true").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(counts(&report(&r), "time_entries"), (0, 0, 5));
    let r = post(owners.clone(), "?mode=sideways").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("merge or replace"), "{}", r.body);

    // Read-only for billing: an import is a write, refused on both doors.
    app.set_billing(&ws, app::types::BillingStatus::ReadOnly)
        .await;
    let r = upload_import(
        &mut owner,
        "mode=replace",
        serde_json::to_vec(&Document {
            time_entries: vec![],
            ..before.clone()
        })
        .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let refusal: app::error::AppError = serde_json::from_str(&r.body).unwrap();
    assert!(refusal.to_string().contains("read-only"), "{refusal}");
    let r = post(owners, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let (_, after) = export(&mut owner).await;
    assert_eq!(same_moment(after, &before), before);
}

#[tokio::test]
async fn the_cli_previews_imports_and_refuses_bad_files() {
    let app = spawn().await;
    let (mut owner, _member, ws) = filled(&app).await;
    let (body, before) = export(&mut owner).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.json");
    std::fs::write(&file, &body).unwrap();
    let cli = |args: &[&str], file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_timether"))
            .args(["--config", "/nonexistent/Leptos.toml", "backup", "import"])
            .args(["--workspace", &ws])
            .args(args)
            .arg(file)
            .env("TIMETHER_DATABASE_URL", &app.url)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let run = cli(&["--dry-run"], &file);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("Preview of an import"), "{stdout}");
    assert!(
        stdout.contains("time entries: 0 new, 0 updated, 5 unchanged"),
        "{stdout}"
    );

    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, serde_json::to_vec(&emptied(&before)).unwrap()).unwrap();
    let run = cli(&["--mode", "replace"], &empty);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(export(&mut owner).await.1.counts.time_entries, 0);
    let run = cli(&[], &file);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (_, after) = export(&mut owner).await;
    assert_eq!(same_moment(after, &before), before);

    // A bad file: the problems printed, a failure, nothing changed.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        body.replacen("\"ended_at\":\"", "\"ended_at\":\"1999", 1),
    )
    .unwrap();
    let run = cli(&[], &bad);
    assert!(!run.status.success());
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(out.contains("problem: time_entries["), "{out}");
    assert!(String::from_utf8_lossy(&run.stderr).contains("nothing changed"));
    let (_, after) = export(&mut owner).await;
    assert_eq!(same_moment(after, &before), before);
}

/// `doc` with `n` more finished entries of its owner, five minutes each,
/// ten minutes apart before its first.
fn with_more_entries(mut doc: Document, n: i64) -> Document {
    let me = doc
        .members
        .iter()
        .find(|m| m.role == "owner")
        .unwrap()
        .email
        .clone();
    let start = doc.time_entries[0].started_at;
    for i in 0..n {
        let at = start - chrono::Duration::minutes(10 * (i + 1));
        doc.time_entries.push(app::backup::format::TimeEntry {
            id: uuid::Uuid::now_v7(),
            person: me.clone(),
            description: format!("Bulk {i}"),
            project_id: None,
            tag_ids: vec![],
            billable: false,
            started_at: at,
            ended_at: Some(at + chrono::Duration::minutes(5)),
            invoice_id: None,
            created_at: at,
            updated_at: at,
        });
    }
    doc.counts.time_entries = doc.time_entries.len() as u64;
    doc
}

#[tokio::test]
async fn an_import_killed_halfway_leaves_the_workspace_as_it_was() {
    use std::io::BufRead;
    let app = spawn().await;
    let (mut owner, _member, ws) = filled(&app).await;
    let (_, before) = export(&mut owner).await;
    let big = with_more_entries(before.clone(), 60_000);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.json");
    std::fs::write(&file, serde_json::to_vec(&big).unwrap()).unwrap();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_timether"))
        .args(["--config", "/nonexistent/Leptos.toml", "backup", "import"])
        .args(["--workspace", &ws])
        .arg(&file)
        .env("TIMETHER_DATABASE_URL", &app.url)
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    // Killed (SIGKILL) once the first tenth of the entries is written
    // inside the import's transaction.
    let (status, seen) = tokio::task::spawn_blocking(move || {
        let mut seen = String::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            seen.push_str(&line);
            seen.push('\n');
            if line.contains("% (") {
                child.kill().unwrap();
                break;
            }
        }
        (child.wait().unwrap(), seen)
    })
    .await
    .unwrap();
    assert!(
        !status.success(),
        "the import finished before it was killed: {seen}"
    );
    assert!(seen.contains("10% ("), "{seen}");
    let (_, after) = export(&mut owner).await;
    assert_eq!(same_moment(after, &before), before);
}

/// The workspace's data version, and whether the entries' start index is
/// there (a bulk load drops it and builds it again).
async fn version_and_index(app: &TestApp, ws: &str) -> (i64, bool) {
    use sea_orm::{ConnectionTrait, EntityTrait};
    let version =
        app::db::entities::workspaces::Entity::find_by_id(ws.parse::<uuid::Uuid>().unwrap())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .data_version;
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Sqlite => {
            "SELECT count(*) FROM sqlite_master WHERE name = 'idx_time_entries_ws_start'"
        }
        _ => "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_time_entries_ws_start'",
    };
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get_by_index(0).unwrap();
    (version, n == 1)
}

#[tokio::test]
async fn a_large_import_loads_in_bulk_and_an_unchanged_one_rebuilds_nothing() {
    let app = spawn().await;
    let (mut owner, _member, ws) = filled(&app).await;
    let (_, doc) = export(&mut owner).await;
    let big = with_more_entries(doc, 3_000);
    let body = serde_json::to_vec(&big).unwrap();
    let (v0, indexed) = version_and_index(&app, &ws).await;
    assert!(indexed);

    let r = upload_import(&mut owner, "mode=merge", body.clone()).await;
    let first = report(&r);
    assert!(first.applied, "{:?}", first.problems);
    assert_eq!(counts(&first, "time_entries"), (3_000, 0, 5));
    // The bulk load moved the version on and built its indexes again.
    let (v1, indexed) = version_and_index(&app, &ws).await;
    assert!(v1 > v0, "{v0} -> {v1}");
    assert!(indexed);

    // The same file again changes nothing: no bulk load (whose end moves
    // the version on and rebuilds the indexes), and the version stays.
    let r = upload_import(&mut owner, "mode=merge", body).await;
    let again = report(&r);
    assert!(again.applied, "{:?}", again.problems);
    assert_eq!(counts(&again, "time_entries"), (0, 0, 3_005));
    assert_eq!(version_and_index(&app, &ws).await, (v1, true));
    let (_, after) = export(&mut owner).await;
    assert_eq!(after.counts.time_entries, 3_005);
}

/// `bytes` as a .json.gz file holds them.
fn gzipped(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, bytes).unwrap();
    gz.finish().unwrap()
}
