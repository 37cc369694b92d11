//! Import jobs: a confirmed Import JSON on the Data tab runs in the
//! background, and this row says how it goes. It lives in the database, not
//! in one instance's memory, so the page finds the job after a reload and
//! from any instance, and its outcome stays on the Data tab.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tables::*;

pub struct M20261205000016ImportJobs;

impl MigrationName for M20261205000016ImportJobs {
    fn name(&self) -> &str {
        "m20261205_000016_import_jobs"
    }
}

#[derive(DeriveIden)]
enum ImportJobs {
    Table,
    Id,
    WorkspaceId,
    StartedBy,
    /// The name of who started it, as it was then.
    StartedByName,
    FileName,
    /// `merge` or `replace`.
    Mode,
    /// `running`, `done` or `failed`.
    State,
    /// Time entries written (or compared) so far, of `total`.
    Done,
    Total,
    StartedAt,
    /// Moved while the job runs, where the database allows a write beside
    /// the import's (PostgreSQL): a stale one means the instance stopped.
    HeartbeatAt,
    FinishedAt,
    /// `done`: the import's report as JSON; `failed`: the sentence shown.
    Outcome,
    /// Set when the person closes the outcome on the Data tab.
    Dismissed,
}

#[async_trait::async_trait]
impl MigrationTrait for M20261205000016ImportJobs {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ImportJobs::Table)
                .if_not_exists()
                .col(uuid(ImportJobs::Id).primary_key())
                .col(uuid(ImportJobs::WorkspaceId))
                .col(uuid(ImportJobs::StartedBy))
                .col(string_len(ImportJobs::StartedByName, 200))
                .col(string_len(ImportJobs::FileName, 255))
                .col(string_len(ImportJobs::Mode, 10))
                .col(string_len(ImportJobs::State, 10))
                .col(big_integer(ImportJobs::Done))
                .col(big_integer(ImportJobs::Total))
                .col(timestamp_with_time_zone(ImportJobs::StartedAt))
                .col(timestamp_with_time_zone(ImportJobs::HeartbeatAt))
                .col(timestamp_with_time_zone_null(ImportJobs::FinishedAt))
                .col(text_null(ImportJobs::Outcome))
                .col(boolean(ImportJobs::Dismissed).default(false))
                .foreign_key(&mut workspace_fk(
                    ImportJobs::Table,
                    ImportJobs::WorkspaceId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_import_jobs_ws_started")
                .table(ImportJobs::Table)
                .col(ImportJobs::WorkspaceId)
                .col(ImportJobs::StartedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(ImportJobs::Table)
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
