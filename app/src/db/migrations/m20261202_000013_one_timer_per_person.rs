//! One running timer per person, across workspaces (it was one per person
//! per workspace): a person works on one thing at a time, and time tracked
//! twice would be billed twice. Starting a timer stops the person's other
//! one, wherever it runs (`crate::timer`). Where a person has several
//! running now, all but the newest end when the newest started.
//!
//! Also an index on each entry's length, so the longest entry of a
//! workspace (how far back an entry reaching a given day may have started,
//! for day totals that split entries at midnight) is one index lookup.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

pub struct M20261202000013OneTimerPerPerson;

impl MigrationName for M20261202000013OneTimerPerPerson {
    fn name(&self) -> &str {
        "m20261202_000013_one_timer_per_person"
    }
}

/// The length expression, as queries must write it for the index to serve.
pub fn length_expr(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Sqlite => "(julianday(ended_at) - julianday(started_at))",
        _ => "(ended_at - started_at)",
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261202000013OneTimerPerPerson {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let backend = m.get_database_backend();
        let later = match backend {
            DbBackend::Sqlite => "max",
            _ => "greatest",
        };
        // The newest running entry of the same person: latest start, then id.
        let newest = "SELECT r.id FROM time_entries r \
                      WHERE r.user_id = time_entries.user_id AND r.ended_at IS NULL \
                      ORDER BY r.started_at DESC, r.id DESC LIMIT 1";
        let newest_start = "SELECT max(r.started_at) FROM time_entries r \
                            WHERE r.user_id = time_entries.user_id AND r.ended_at IS NULL";
        db.execute_unprepared(&format!(
            "UPDATE time_entries SET ended_at = {later}(started_at, ({newest_start})) \
             WHERE ended_at IS NULL AND id <> ({newest})"
        ))
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS uq_time_entries_running")
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_time_entries_running_person \
             ON time_entries (user_id) WHERE ended_at IS NULL",
        )
        .await?;
        db.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS idx_time_entries_ws_length \
             ON time_entries (workspace_id, {})",
            length_expr(backend)
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS idx_time_entries_ws_length")
            .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS uq_time_entries_running_person")
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_time_entries_running \
             ON time_entries (workspace_id, user_id) WHERE ended_at IS NULL",
        )
        .await?;
        Ok(())
    }
}
