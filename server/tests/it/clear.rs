//! Clear Workspace and its undo: owners only, the workspace's name typed to
//! confirm, invoices kept unless asked, everything back with Undo clear,
//! the kept backup swept after 30 days.

use crate::backup::{filled, same_moment};
use crate::common::*;
use app::backup::clear::{ClearCounts, ClearRecord, ClearSummary, LastClear, UndoClear};
use app::backup::format::Document;
use app::backup::jobs::JobState;
use app::timer::CurrentTimer;
use axum::http::StatusCode;

async fn export(c: &mut Client) -> Document {
    let r = c.get("/exports/backup").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

#[tokio::test]
async fn clear_workspace_keeps_invoices_and_undo_clear_brings_everything_back() {
    let app = spawn().await;
    let (mut owner, mut member, ws) = filled(&app).await;
    let before = export(&mut owner).await;

    let r = owner.invoke(ClearSummary {}).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let summary: ClearCounts = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        (
            summary.time_entries,
            summary.running_timers,
            summary.projects,
            summary.clients,
            summary.tags,
            summary.invoices
        ),
        (5, 1, 2, 1, 2, 1)
    );
    let name = summary.workspace_name.clone();

    // Members may not; the owner must type the name.
    let r = member
        .rpc("clear_workspace", &[("confirm_name", &name)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = member.invoke(ClearSummary {}).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = owner
        .rpc("clear_workspace", &[("confirm_name", "something else")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("to confirm"), "{}", r.body);
    assert_eq!(same_moment(export(&mut owner).await, &before), before);

    let r = owner
        .rpc("clear_workspace", &[("confirm_name", &name)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cleared: ClearRecord = serde_json::from_str(&r.body).unwrap();
    assert_eq!(cleared.time_entries, 5);
    let after = export(&mut owner).await;
    assert_eq!(
        (
            after.counts.time_entries,
            after.counts.projects,
            after.counts.clients,
            after.counts.tags
        ),
        (0, 0, 0, 0)
    );
    // Invoices are financial records: they stay, with their snapshot.
    assert_eq!(after.invoices.len(), 1);
    assert_eq!(
        after.invoices[0].total_cents,
        before.invoices[0].total_cents
    );
    assert_eq!(after.members.len(), 2);
    // The member's running timer is gone too.
    let r = member.invoke(CurrentTimer {}).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body.trim(), "null", "{}", r.body);

    // The Data tab offers the undo; it brings back exactly what went.
    let r = owner.invoke(LastClear {}).await;
    let last: Option<ClearRecord> = serde_json::from_str(&r.body).unwrap();
    assert_eq!(last.as_ref().map(|l| l.id), Some(cleared.id));
    let r = member.invoke(UndoClear { id: cleared.id }).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // The undo runs as an import job, which the Data tab follows.
    let r = owner.invoke(UndoClear { id: cleared.id }).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let job: uuid::Uuid = serde_json::from_str(&r.body).unwrap();
    let ended = import_job_end(&mut owner, job).await;
    assert!(ended.file_name.starts_with("Undo clear of "), "{ended:?}");
    let JobState::Finished { report: undone, .. } = ended.state else {
        panic!("the undo did not finish: {ended:?}");
    };
    assert!(undone.applied, "{:?}", undone.problems);
    assert_eq!(same_moment(export(&mut owner).await, &before), before);
    // The record says so by the time the job has ended, and the undo is
    // not offered again.
    let r = owner.invoke(LastClear {}).await;
    let last: Option<ClearRecord> = serde_json::from_str(&r.body).unwrap();
    assert!(last.and_then(|l| l.restored_at).is_some(), "{}", r.body);
    let r = owner.invoke(UndoClear { id: cleared.id }).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    // After 30 days the kept backup is swept and no undo is offered. (The
    // snapshot is aged in place: sweeping at a later clock would also
    // sweep other tests' sessions on a shared PostgreSQL database.)
    use app::db::entities::workspace_snapshots as snapshots;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let now = chrono::Utc::now();
    let scope = app::tenant::owner_scope(&app.db, ws.parse().unwrap())
        .await
        .unwrap();
    snapshots::Entity::update_many()
        .col_expr(
            snapshots::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(now - chrono::Duration::days(1)),
        )
        .filter(snapshots::Column::WorkspaceId.eq(scope.workspace_id))
        .exec(&app.db)
        .await
        .unwrap();
    let swept = app::housekeeping::sweep(&app.db, &app.settings, now)
        .await
        .unwrap();
    assert!(swept.snapshots >= 1, "{swept:?}");
    let last = app::backup::clear::service::last(&app.db, &scope, now)
        .await
        .unwrap();
    assert_eq!(last, None);
    let kept = snapshots::Entity::find()
        .filter(snapshots::Column::WorkspaceId.eq(scope.workspace_id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(kept, 0);
}

#[tokio::test]
async fn also_delete_invoices_and_read_only_refuses() {
    let app = spawn().await;
    let (mut owner, _member, ws) = filled(&app).await;
    let before = export(&mut owner).await;
    let name = before.workspace.name.clone();

    app.set_billing(&ws, app::types::BillingStatus::ReadOnly)
        .await;
    let r = owner
        .rpc("clear_workspace", &[("confirm_name", &name)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    app.set_billing(&ws, app::types::BillingStatus::Active)
        .await;

    let r = owner
        .rpc(
            "clear_workspace",
            &[("confirm_name", &name), ("include_invoices", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cleared: ClearRecord = serde_json::from_str(&r.body).unwrap();
    assert_eq!(export(&mut owner).await.counts.invoices, 0);
    let r = owner.invoke(UndoClear { id: cleared.id }).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let job: uuid::Uuid = serde_json::from_str(&r.body).unwrap();
    let ended = import_job_end(&mut owner, job).await;
    assert!(
        matches!(&ended.state, JobState::Finished { report, .. } if report.applied),
        "{ended:?}"
    );
    assert_eq!(same_moment(export(&mut owner).await, &before), before);
}

#[tokio::test]
async fn the_cli_clears_only_with_yes() {
    let app = spawn().await;
    let (mut owner, _member, ws) = filled(&app).await;
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_timether"))
            .args([
                "--config",
                "/nonexistent/Leptos.toml",
                "workspace",
                "clear",
                &ws,
            ])
            .args(args)
            .env("TIMETHER_DATABASE_URL", &app.url)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let run = cli(&[]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("--yes"));
    assert_eq!(export(&mut owner).await.counts.time_entries, 5);
    let run = cli(&["--yes"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("5 time entries"));
    assert_eq!(export(&mut owner).await.counts.time_entries, 0);
}

/// A second change of the whole workspace is refused at once rather than
/// queued behind the first: here the test holds the workspace's claim, as
/// a running import does (PostgreSQL: its row lock; SQLite: the lock file
/// beside the database, then the write lock).
#[tokio::test]
async fn clear_workspace_is_refused_at_once_while_the_workspace_is_claimed() {
    let app = spawn().await;
    let (mut owner, _member, ws) = filled(&app).await;
    let name = serde_json::from_str::<ClearCounts>(&owner.invoke(ClearSummary {}).await.body)
        .unwrap()
        .workspace_name;
    let held = app::tenant::begin_whole_workspace(&app.db, ws.parse().unwrap())
        .await
        .unwrap();
    // A second claim from this process is refused too.
    assert!(
        app::tenant::begin_whole_workspace(&app.db, ws.parse().unwrap())
            .await
            .is_err()
    );
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        owner.rpc("clear_workspace", &[("confirm_name", &name)]),
    )
    .await
    .expect("refused at once, not queued behind the claim");
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body.contains("Try again when it has finished"),
        "{}",
        r.body
    );
    drop(held);
    // Nothing was cleared; with the claim gone, the clear goes through.
    let r = owner.invoke(ClearSummary {}).await;
    let counts: ClearCounts = serde_json::from_str(&r.body).unwrap();
    assert_eq!(counts.time_entries, 5);
    let r = owner
        .rpc("clear_workspace", &[("confirm_name", &name)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
