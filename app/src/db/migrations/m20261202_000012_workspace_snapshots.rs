//! Workspace snapshots: the backup Clear Workspace keeps (gzip-compressed,
//! the Export JSON document) so the owner can undo the clear for 30 days.
//! They live in the database, not on one instance's disk, so every
//! instance can offer the undo.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tables::*;

pub struct M20261202000012WorkspaceSnapshots;

impl MigrationName for M20261202000012WorkspaceSnapshots {
    fn name(&self) -> &str {
        "m20261202_000012_workspace_snapshots"
    }
}

#[derive(DeriveIden)]
enum WorkspaceSnapshots {
    Table,
    Id,
    WorkspaceId,
    /// Why it was taken: `clear`.
    Reason,
    CreatedBy,
    /// The name of who took it, as it was then.
    CreatedByName,
    CreatedAt,
    ExpiresAt,
    /// Set once the snapshot has been restored (Undo clear).
    RestoredAt,
    /// Time entries it holds, for the Data tab.
    Entries,
    /// The backup document, gzip-compressed.
    Data,
}

#[async_trait::async_trait]
impl MigrationTrait for M20261202000012WorkspaceSnapshots {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WorkspaceSnapshots::Table)
                .if_not_exists()
                .col(uuid(WorkspaceSnapshots::Id).primary_key())
                .col(uuid(WorkspaceSnapshots::WorkspaceId))
                .col(string_len(WorkspaceSnapshots::Reason, 20))
                .col(uuid(WorkspaceSnapshots::CreatedBy))
                .col(string_len(WorkspaceSnapshots::CreatedByName, 200))
                .col(timestamp_with_time_zone(WorkspaceSnapshots::CreatedAt))
                .col(timestamp_with_time_zone(WorkspaceSnapshots::ExpiresAt))
                .col(timestamp_with_time_zone_null(
                    WorkspaceSnapshots::RestoredAt,
                ))
                .col(big_integer(WorkspaceSnapshots::Entries))
                .col(blob(WorkspaceSnapshots::Data))
                .foreign_key(&mut workspace_fk(
                    WorkspaceSnapshots::Table,
                    WorkspaceSnapshots::WorkspaceId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_workspace_snapshots_ws_created")
                .table(WorkspaceSnapshots::Table)
                .col(WorkspaceSnapshots::WorkspaceId)
                .col(WorkspaceSnapshots::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(WorkspaceSnapshots::Table)
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
