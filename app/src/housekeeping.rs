//! Rows that can no longer be used are deleted on a schedule, so the tables
//! (and the Sessions tab) stop growing forever: sessions that are revoked or
//! past their idle or absolute timeout, expired sign-in challenges, and
//! rate-limit windows that ended a day ago, failed-sign-in counts
//! a day old, Clear Workspace snapshots past their 30 days, and import jobs
//! that ended 30 days ago. Every instance runs it; the
//! deletes are idempotent, so instances sharing a database need no lock.

use crate::db::entities::{import_jobs, login_challenges, sessions, workspace_snapshots};
use crate::error::Error;
use crate::settings::Settings;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

/// How often the server sweeps.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// What one sweep deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub challenges: u64,
    pub rate_limits: u64,
    pub sign_in_failures: u64,
    pub snapshots: u64,
    pub import_jobs: u64,
}

/// Deletes what can no longer be used as of `now`.
pub async fn sweep(
    db: &impl ConnectionTrait,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Swept, Error> {
    let idle = now - Duration::minutes(settings.session_idle_timeout_minutes);
    let absolute = now - Duration::hours(settings.session_absolute_timeout_hours);
    let sessions = sessions::Entity::delete_many()
        .filter(
            Condition::any()
                .add(sessions::Column::RevokedAt.is_not_null())
                .add(sessions::Column::LastSeenAt.lt(idle))
                .add(sessions::Column::CreatedAt.lt(absolute)),
        )
        .exec(db)
        .await?
        .rows_affected;
    let challenges = login_challenges::Entity::delete_many()
        .filter(login_challenges::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected;
    // Rate-limit windows that ended a day ago, and a day without failures
    // forgives an account's failed sign-ins.
    let day_ago = now.timestamp() - 86_400;
    let older = |sql: &'static str| {
        let stmt = crate::db::statement(db.get_database_backend(), sql, [day_ago.into()]);
        async move { Ok::<u64, Error>(db.execute_raw(stmt).await?.rows_affected()) }
    };
    let rate_limits = older("DELETE FROM rate_limits WHERE window_start < ?1").await?;
    let sign_in_failures = older("DELETE FROM sign_in_failures WHERE last_failure_at < ?1").await?;
    let snapshots = workspace_snapshots::Entity::delete_many()
        .filter(workspace_snapshots::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected;
    // A job's outcome stays on the Data tab for a month at most.
    let import_jobs = import_jobs::Entity::delete_many()
        .filter(import_jobs::Column::FinishedAt.lt(now - Duration::days(30)))
        .exec(db)
        .await?
        .rows_affected;
    Ok(Swept {
        sessions,
        challenges,
        rate_limits,
        sign_in_failures,
        snapshots,
        import_jobs,
    })
}
