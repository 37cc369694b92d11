//! Counting a workspace's live time entries without reading them.
//!
//! `COUNT(*) … WHERE workspace_id = ? AND deleted_at IS NULL` had no index
//! that holds `deleted_at`, so SQLite looked up every entry's row: 3 s for a
//! million, paid by Export JSON's header, Clear Workspace's dialog and the
//! clear itself. Deleted entries are few, so this partial index is small
//! and cheap to keep, and the live count is all entries (any index on
//! `workspace_id`) less the deleted ones (this index):
//! `entries::service::live_count`.

use sea_orm_migration::prelude::*;

pub struct M20261205000017DeletedEntriesIndex;

impl MigrationName for M20261205000017DeletedEntriesIndex {
    fn name(&self) -> &str {
        "m20261205_000017_deleted_entries_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205000017DeletedEntriesIndex {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS idx_time_entries_deleted \
                 ON time_entries (workspace_id) WHERE deleted_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_time_entries_deleted")
            .await?;
        Ok(())
    }
}
