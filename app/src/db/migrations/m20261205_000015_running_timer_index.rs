//! The running timer of a person in a workspace found by index again.
//!
//! Migration 13 replaced the unique index on `(workspace_id, user_id)
//! WHERE ended_at IS NULL` with one on `user_id` alone (one timer per
//! person, across workspaces). Every signed-in page asks for the running
//! timer within its workspace, and with both columns in the query SQLite
//! then chose the `(workspace_id, user_id, started_at)` index and read
//! every entry the person ever made: about 20 ms a page at 20,000 entries.
//! This index answers that question in one lookup on either database.

use sea_orm_migration::prelude::*;

pub struct M20261205000015RunningTimerIndex;

impl MigrationName for M20261205000015RunningTimerIndex {
    fn name(&self) -> &str {
        "m20261205_000015_running_timer_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205000015RunningTimerIndex {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS idx_time_entries_running \
                 ON time_entries (workspace_id, user_id) WHERE ended_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_time_entries_running")
            .await?;
        Ok(())
    }
}
