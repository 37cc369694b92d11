//! A confirmed Import JSON on the Data tab runs as a job: the upload is
//! answered at once, the job's progress and outcome are read back (as the
//! page does after a reload), the outcome stays until closed, one import
//! runs at a time, and a job cut off with its server says so.

use crate::backup::filled;
use crate::common::*;
use app::backup::jobs::{DismissImportJob, ImportJob, JobState, LatestImportJob};
use app::db::entities::import_jobs;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, Set};

/// A confirmed import of `bytes` as the Data tab sends it, with the file's
/// name: the 202 answer.
async fn start(c: &mut Client, name: &str, bytes: Vec<u8>) -> Response {
    let req = Request::post(format!("/imports?mode=merge&dry_run=false&name={name}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ORIGIN, c.origin.clone().unwrap())
        .body(Body::from(bytes))
        .unwrap();
    c.send(req).await
}

async fn latest(c: &mut Client) -> Option<ImportJob> {
    let r = c.invoke(LatestImportJob {}).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn backup(c: &mut Client) -> Vec<u8> {
    let r = c.get("/exports/backup").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.bytes
}

#[tokio::test]
async fn a_confirmed_import_runs_as_a_job_whose_outcome_stays_until_closed() {
    let app = spawn().await;
    let (mut owner, mut member, _ws) = filled(&app).await;
    let file = backup(&mut owner).await;
    assert_eq!(latest(&mut owner).await, None);

    let r = start(&mut owner, "team%20backup.json", file).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let id: uuid::Uuid = r.json()["job"].as_str().unwrap().parse().unwrap();
    let job = import_job_end(&mut owner, id).await;
    assert_eq!(job.file_name, "team backup.json");
    assert_eq!(job.started_by, "Bea Backup");
    let JobState::Finished { report, .. } = &job.state else {
        panic!("not finished: {job:?}");
    };
    assert!(report.applied, "{:?}", report.problems);
    let entries = report.plan("time_entries").unwrap();
    assert_eq!((entries.new, entries.updated, entries.unchanged), (0, 0, 5));

    // The outcome is still there on the next visit (a reload)…
    assert_eq!(latest(&mut owner).await, Some(job.clone()));
    // …for owners and admins: a member sees no job and cannot close it.
    assert_eq!(latest(&mut member).await, None);
    let r = member.invoke(DismissImportJob { id }).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Closed, it is gone from the tab.
    let r = owner.invoke(DismissImportJob { id }).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(latest(&mut owner).await, None);
}

#[tokio::test]
async fn a_job_that_cannot_claim_the_workspace_ends_with_a_sentence_and_changes_nothing() {
    let app = spawn().await;
    let (mut owner, _member, ws) = filled(&app).await;
    let file = backup(&mut owner).await;
    let emptied = {
        let mut doc: serde_json::Value = serde_json::from_slice(&file).unwrap();
        doc["time_entries"] = serde_json::json!([]);
        doc["counts"]["time_entries"] = 0.into();
        serde_json::to_vec(&doc).unwrap()
    };
    // Something else holds the whole workspace (a CLI import, a clear).
    let held = app::tenant::begin_whole_workspace(&app.db, ws.parse().unwrap())
        .await
        .unwrap();
    let req = Request::post("/imports?mode=replace&name=empty.json")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ORIGIN, owner.origin.clone().unwrap())
        .body(Body::from(emptied))
        .unwrap();
    let r = owner.send(req).await;
    if is_postgres() {
        // The job starts, and ends refused by the claim.
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        let id = r.json()["job"].as_str().unwrap().parse().unwrap();
        let job = import_job_end(&mut owner, id).await;
        match &job.state {
            JobState::Failed { message, .. } => {
                assert!(
                    message.contains("Try again when it has finished"),
                    "{message}"
                )
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    } else {
        // SQLite's claim holds the one write lock: not even the job's row
        // can be written, and the page is told to try again shortly.
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
        assert!(
            r.headers.contains_key(header::RETRY_AFTER),
            "{:?}",
            r.headers
        );
    }
    drop(held);
    let after: serde_json::Value = serde_json::from_slice(&backup(&mut owner).await).unwrap();
    assert_eq!(after["counts"]["time_entries"], 5);
}

/// A job row as an instance that stopped (or is still running it) left it.
async fn running_row(app: &TestApp, ws: &str, heartbeat: DateTime<Utc>) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    import_jobs::ActiveModel {
        id: Set(id),
        workspace_id: Set(ws.parse().unwrap()),
        started_by: Set(uuid::Uuid::now_v7()),
        started_by_name: Set("Ana Elsewhere".into()),
        file_name: Set("big.json.gz".into()),
        mode: Set("merge".into()),
        state: Set("running".into()),
        done: Set(40_000),
        total: Set(100_000),
        started_at: Set(heartbeat - Duration::seconds(5)),
        heartbeat_at: Set(heartbeat),
        finished_at: Set(None),
        outcome: Set(None),
        dismissed: Set(false),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn a_job_cut_off_with_its_server_says_so_and_a_live_one_blocks_the_next() {
    let app = spawn().await;
    let (mut owner, _member, ws) = filled(&app).await;
    let now = DateTime::from_timestamp(app.now(), 0).unwrap();

    // No heartbeat for a minute, and not running here: its server stopped.
    let stale = running_row(&app, &ws, now - Duration::seconds(60)).await;
    let job = latest(&mut owner).await.unwrap();
    assert_eq!(job.id, stale);
    match &job.state {
        JobState::Failed { message, .. } => {
            assert!(message.contains("server restarted"), "{message}");
            assert!(message.contains("Nothing was changed"), "{message}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    let r = owner.invoke(DismissImportJob { id: stale }).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A heartbeat a moment ago: on PostgreSQL another instance runs it, so
    // a second import is refused before its upload is read. SQLite has one
    // instance, and this one does not run it: it was cut off.
    let live = running_row(&app, &ws, now).await;
    let file = backup(&mut owner).await;
    let r = start(&mut owner, "again.json", file).await;
    if is_postgres() {
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("already running"), "{}", r.body);
        let job = latest(&mut owner).await.unwrap();
        assert_eq!(job.id, live);
        assert_eq!(
            job.state,
            JobState::Running {
                done: 40_000,
                total: 100_000
            }
        );
        let r = owner.invoke(DismissImportJob { id: live }).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    } else {
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        let id = r.json()["job"].as_str().unwrap().parse().unwrap();
        let job = import_job_end(&mut owner, id).await;
        assert!(
            matches!(&job.state, JobState::Finished { report, .. } if report.applied),
            "{job:?}"
        );
    }
}
