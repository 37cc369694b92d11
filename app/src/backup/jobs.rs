//! Import jobs: a confirmed Import JSON on the Data tab runs in the
//! background. A backup of a million entries takes longer than anyone
//! should hold a request open, and a reload must not lose sight of it. The
//! job's row says who started it, how far it got and how it ended, so the
//! Data tab shows its progress after a reload, on any instance, and keeps
//! its outcome in view until dismissed.
//!
//! Progress while the import's transaction runs: PostgreSQL takes a write
//! beside it, so the row is moved about once a second (a heartbeat that
//! goes stale if the instance stops). SQLite has one write lock and the
//! import holds it; there the numbers live in this process, which is the
//! only one serving that database file, and the row is written at the start
//! and the end.

use super::{ImportReport, Mode};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An import started on the Data tab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportJob {
    pub id: Uuid,
    pub mode: Mode,
    pub file_name: String,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub state: JobState,
}

/// Where a job stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum JobState {
    /// Still going: time entries done of those in the file (both 0 while
    /// the file is being checked).
    Running { done: u64, total: u64 },
    /// Ended with the import's report: applied, or listing the file's
    /// problems with nothing written.
    Finished {
        at: DateTime<Utc>,
        report: Box<ImportReport>,
    },
    /// Ended without a report (refused, a database error, the server
    /// stopped); nothing was written.
    Failed { at: DateTime<Utc>, message: String },
}

impl ImportJob {
    pub fn running(&self) -> bool {
        matches!(self.state, JobState::Running { .. })
    }
}

/// The workspace's latest import job not yet dismissed, for owners and
/// admins (members have none).
#[server(prefix = "/rpc", endpoint = "latest_import_job")]
pub async fn latest_import_job() -> Result<Option<ImportJob>, AppError> {
    crate::context::scoped(
        |ctx, scope| async move { service::latest(&ctx.db, &scope, ctx.now).await },
    )
    .await
}

/// Closes a finished job's outcome on the Data tab.
#[server(prefix = "/rpc", endpoint = "dismiss_import_job")]
pub async fn dismiss_import_job(id: Uuid) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move { service::dismiss(&ctx.db, &scope, id).await })
        .await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::{ImportJob, JobState};
    use crate::backup::clear;
    use crate::backup::import::{self, ImportCommand, ImportReport, Mode};
    use crate::context::Background;
    use crate::db::entities::{import_jobs, users};
    use crate::error::{AppError, Error};
    use crate::tenant::Scope;
    use chrono::{DateTime, Duration, Utc};
    use sea_orm::sea_query::Expr;
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
        Set,
    };
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, LazyLock, Mutex};
    use uuid::Uuid;

    /// How often a running job's row is moved on PostgreSQL.
    pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(1);
    /// A running job whose row has not moved for this long, and that this
    /// process does not run, was cut off with its server.
    pub const STALE_AFTER: Duration = Duration::seconds(30);
    /// Longest file name kept (the page shows it).
    const MAX_FILE_NAME: usize = 255;

    /// The numbers of the jobs this process runs.
    #[derive(Default)]
    struct Progress {
        done: AtomicU64,
        total: AtomicU64,
    }

    static RUNNING_HERE: LazyLock<Mutex<HashMap<Uuid, Arc<Progress>>>> =
        LazyLock::new(Default::default);

    fn here() -> std::sync::MutexGuard<'static, HashMap<Uuid, Arc<Progress>>> {
        RUNNING_HERE.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A job recorded by [`start`] and not yet ended: it is in
    /// [`RUNNING_HERE`] from the moment its row exists (so a page asking at
    /// once finds it running) until this is dropped, however the job ends.
    pub struct Started {
        pub id: Uuid,
        progress: Arc<Progress>,
    }

    impl Drop for Started {
        fn drop(&mut self) {
            here().remove(&self.id);
        }
    }

    const RUNNING: &str = "running";
    const DONE: &str = "done";
    const FAILED: &str = "failed";

    fn mode_name(mode: Mode) -> &'static str {
        match mode {
            Mode::Merge => "merge",
            Mode::Replace => "replace",
        }
    }

    /// Records a new job, before the file is read. Owners and admins, not
    /// while billing is read-only, and one at a time per workspace: while
    /// another job runs the answer is a sentence saying so. (The import
    /// itself takes the workspace's lock too, so two started at the same
    /// moment still go one at a time.)
    pub async fn start(
        db: &DatabaseConnection,
        scope: &Scope,
        file_name: &str,
        mode: Mode,
        now: DateTime<Utc>,
    ) -> Result<Started, Error> {
        scope.manager()?.writable()?;
        if let Some(job) = latest(db, scope, now).await? {
            if job.running() {
                return Err(Error::Conflict(format!(
                    "An import into this workspace is already running (started by {} at {}). \
                     Wait for it to finish, then try again.",
                    job.started_by,
                    job.started_at.format("%H:%M UTC")
                )));
            }
        }
        let by = users::Entity::find_by_id(scope.user_id)
            .one(db)
            .await?
            .map(|u| u.name)
            .unwrap_or_default();
        let name: String = file_name.trim().chars().take(MAX_FILE_NAME).collect();
        let id = Uuid::now_v7();
        let started = Started {
            id,
            progress: Arc::new(Progress::default()),
        };
        here().insert(id, started.progress.clone());
        import_jobs::ActiveModel {
            id: Set(id),
            workspace_id: Set(scope.workspace_id),
            started_by: Set(scope.user_id),
            started_by_name: Set(by.chars().take(200).collect()),
            file_name: Set(if name.is_empty() {
                "backup.json".into()
            } else {
                name
            }),
            mode: Set(mode_name(mode).into()),
            state: Set(RUNNING.into()),
            done: Set(0),
            total: Set(0),
            started_at: Set(now),
            heartbeat_at: Set(now),
            finished_at: Set(None),
            outcome: Set(None),
            dismissed: Set(false),
        }
        .insert(db)
        .await?;
        Ok(started)
    }

    /// Runs a started job on a task of its own, so it goes on whatever
    /// happens to the request that started it (a reload, a closed tab: a
    /// request's work stops when its connection does). `hold` is kept
    /// until the job ends (the file it reads); `restores` is the kept
    /// backup an Undo clear imports. This instance's pages hear of an
    /// applied import.
    pub fn spawn<T: Send + 'static>(
        db: DatabaseConnection,
        scope: Scope,
        background: Background,
        job: Started,
        cmd: ImportCommand,
        restores: Option<Uuid>,
        hold: T,
    ) {
        tokio::spawn(async move {
            let applied = run(&db, &scope, job, &cmd, &*background.clock, restores).await;
            if applied.is_some() {
                (background.changed)(scope.workspace_id);
            }
            drop(hold);
        });
    }

    /// Runs the job [`start`] recorded to its end and records how it ended.
    /// `clock` gives the heartbeat's and the end's times. When the import
    /// is applied, the clear whose backup it `restores` is marked restored
    /// before the job's end is recorded (a page that sees the job end then
    /// no longer offers that undo), and the report is returned so the
    /// caller can tell the workspace's pages.
    pub async fn run(
        db: &DatabaseConnection,
        scope: &Scope,
        job: Started,
        cmd: &ImportCommand,
        clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
        restores: Option<Uuid>,
    ) -> Option<ImportReport> {
        let id = job.id;
        let progress = job.progress.clone();
        let counter = progress.clone();
        let on_progress = move |done: u64, total: u64| {
            counter.done.store(done, Ordering::Relaxed);
            counter.total.store(total, Ordering::Relaxed);
        };
        let import = import::import(db, scope, cmd, clock(), &on_progress);
        let outcome = if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            tokio::pin!(import);
            loop {
                tokio::select! {
                    outcome = &mut import => break outcome,
                    _ = tokio::time::sleep(HEARTBEAT) => beat(db, scope, id, &progress, clock()).await,
                }
            }
        } else {
            import.await
        };
        let at = clock();
        if let (Ok(report), Some(snapshot)) = (&outcome, restores) {
            if report.applied {
                if let Err(e) = clear::service::mark_restored(db, scope, snapshot, at).await {
                    tracing::error!(error = %e, job = %id, "could not mark a clear as undone");
                }
            }
        }
        let (state, outcome, applied) = match outcome {
            Ok(report) => {
                let json = serde_json::to_string(&report).unwrap_or_default();
                let applied = report.applied.then_some(report);
                (DONE, json, applied)
            }
            Err(e) => (FAILED, AppError::from(e).to_string(), None),
        };
        let done = progress.done.load(Ordering::Relaxed) as i64;
        let recorded = scope
            .update_many::<import_jobs::Entity>()
            .col_expr(import_jobs::Column::State, Expr::value(state))
            .col_expr(import_jobs::Column::Outcome, Expr::value(Some(outcome)))
            .col_expr(import_jobs::Column::FinishedAt, Expr::value(Some(at)))
            .col_expr(import_jobs::Column::HeartbeatAt, Expr::value(at))
            .col_expr(import_jobs::Column::Done, Expr::value(done))
            .col_expr(
                import_jobs::Column::Total,
                Expr::value(progress.total.load(Ordering::Relaxed) as i64),
            )
            .filter(import_jobs::Column::Id.eq(id))
            .exec(db)
            .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, job = %id, "could not record how an import ended");
        }
        applied
    }

    /// Writes a running job's numbers and heartbeat (PostgreSQL).
    async fn beat(
        db: &DatabaseConnection,
        scope: &Scope,
        id: Uuid,
        progress: &Progress,
        now: DateTime<Utc>,
    ) {
        let moved = scope
            .update_many::<import_jobs::Entity>()
            .col_expr(
                import_jobs::Column::Done,
                Expr::value(progress.done.load(Ordering::Relaxed) as i64),
            )
            .col_expr(
                import_jobs::Column::Total,
                Expr::value(progress.total.load(Ordering::Relaxed) as i64),
            )
            .col_expr(import_jobs::Column::HeartbeatAt, Expr::value(now))
            .filter(import_jobs::Column::Id.eq(id))
            .exec(db)
            .await;
        if let Err(e) = moved {
            tracing::warn!(error = %e, "could not record an import's progress");
        }
    }

    /// The latest job not dismissed, for owners and admins; `None` for
    /// members. A running job that nobody runs any more (its server
    /// stopped) is recorded as failed: its transaction never committed.
    pub async fn latest(
        db: &DatabaseConnection,
        scope: &Scope,
        now: DateTime<Utc>,
    ) -> Result<Option<ImportJob>, Error> {
        if scope.manager().is_err() {
            return Ok(None);
        }
        // Which jobs run here, taken before the row is read: a job records
        // its end before it leaves this set, so a job that left it has
        // already written its end, and a row still "running" is cut off.
        let local: Vec<Uuid> = here().keys().copied().collect();
        let Some(row) = scope
            .find::<import_jobs::Entity>()
            .filter(import_jobs::Column::Dismissed.eq(false))
            .order_by_desc(import_jobs::Column::StartedAt)
            .order_by_desc(import_jobs::Column::Id)
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        if row.state == RUNNING && cut_off(db, &local, &row, now) {
            let message = "The import stopped before it finished, because the server \
                           restarted. Nothing was changed: choose the file again.";
            let marked = scope
                .update_many::<import_jobs::Entity>()
                .col_expr(import_jobs::Column::State, Expr::value(FAILED))
                .col_expr(import_jobs::Column::Outcome, Expr::value(Some(message)))
                .col_expr(import_jobs::Column::FinishedAt, Expr::value(Some(now)))
                .filter(import_jobs::Column::Id.eq(row.id))
                .filter(import_jobs::Column::State.eq(RUNNING))
                .exec(db)
                .await?;
            if marked.rows_affected == 0 {
                // It ended (or another instance marked it) meanwhile.
                let row = scope
                    .get::<import_jobs::Entity>(db, row.id, "The import")
                    .await?;
                return Ok(Some(job(row, None)));
            }
            return Ok(Some(job(row, Some((FAILED, message.to_string(), now)))));
        }
        Ok(Some(job(row, None)))
    }

    /// Whether a running row's job has no one running it: not this process,
    /// and (on SQLite, one process) nobody else, or (on PostgreSQL) no
    /// heartbeat for [`STALE_AFTER`].
    fn cut_off(
        db: &DatabaseConnection,
        local: &[Uuid],
        row: &import_jobs::Model,
        now: DateTime<Utc>,
    ) -> bool {
        if local.contains(&row.id) {
            return false;
        }
        db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite
            || now - row.heartbeat_at > STALE_AFTER
    }

    fn job(row: import_jobs::Model, ended: Option<(&str, String, DateTime<Utc>)>) -> ImportJob {
        let (state, outcome, at) = match ended {
            Some((s, o, at)) => (s.to_string(), Some(o), Some(at)),
            None => (row.state.clone(), row.outcome.clone(), row.finished_at),
        };
        let at = at.unwrap_or(row.heartbeat_at);
        let state = match state.as_str() {
            DONE => match outcome.as_deref().map(serde_json::from_str::<ImportReport>) {
                Some(Ok(report)) => JobState::Finished {
                    at,
                    report: Box::new(report),
                },
                _ => JobState::Failed {
                    at,
                    message: "The import finished, but its report could not be read.".into(),
                },
            },
            FAILED => JobState::Failed {
                at,
                message: outcome.unwrap_or_default(),
            },
            _ => {
                let (done, total) = match here().get(&row.id) {
                    Some(p) => (
                        p.done.load(Ordering::Relaxed),
                        p.total.load(Ordering::Relaxed),
                    ),
                    None => (row.done.max(0) as u64, row.total.max(0) as u64),
                };
                JobState::Running { done, total }
            }
        };
        ImportJob {
            id: row.id,
            mode: Mode::parse(&row.mode).unwrap_or_default(),
            file_name: row.file_name,
            started_by: row.started_by_name,
            started_at: row.started_at,
            state,
        }
    }

    /// Hides a finished job's outcome. A running job cannot be dismissed.
    pub async fn dismiss(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> Result<(), Error> {
        scope.manager()?;
        let row = scope
            .get::<import_jobs::Entity>(db, id, "The import")
            .await?;
        if row.state == RUNNING {
            return Err(Error::Conflict(
                "The import is still running; its outcome can be closed once it ends.".into(),
            ));
        }
        scope
            .update_many::<import_jobs::Entity>()
            .col_expr(import_jobs::Column::Dismissed, Expr::value(true))
            .filter(import_jobs::Column::Id.eq(id))
            .exec(db)
            .await?;
        Ok(())
    }
}
