use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tables::*;

/// Time entries (a running timer is an entry without an end), their tags,
/// and the workspace's default rate and currency.
pub struct M20261127000003CreateTimeEntries;

impl MigrationName for M20261127000003CreateTimeEntries {
    fn name(&self) -> &str {
        "m20261127_000003_create_time_entries"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261127000003CreateTimeEntries {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Workspaces::Table)
                .add_column(big_integer_null(Workspaces::DefaultRateCents))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Workspaces::Table)
                .add_column(string_len(Workspaces::Currency, 3).default("USD"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TimeEntries::Table)
                .if_not_exists()
                .col(uuid(TimeEntries::Id).primary_key())
                .col(uuid(TimeEntries::WorkspaceId))
                .col(uuid(TimeEntries::UserId))
                .col(string_len(TimeEntries::Description, 2000))
                .col(uuid_null(TimeEntries::ProjectId))
                .col(boolean(TimeEntries::Billable))
                .col(timestamp_with_time_zone(TimeEntries::StartedAt))
                .col(timestamp_with_time_zone_null(TimeEntries::EndedAt))
                .col(uuid_null(TimeEntries::InvoiceId))
                .col(timestamp_with_time_zone_null(TimeEntries::DeletedAt))
                .col(timestamp_with_time_zone(TimeEntries::CreatedAt))
                .col(timestamp_with_time_zone(TimeEntries::UpdatedAt))
                .foreign_key(&mut workspace_fk(
                    TimeEntries::Table,
                    TimeEntries::WorkspaceId,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .from(TimeEntries::Table, TimeEntries::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TimeEntries::Table, TimeEntries::ProjectId)
                        .to(Projects::Table, Projects::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "idx_time_entries_ws_start",
                vec![TimeEntries::WorkspaceId, TimeEntries::StartedAt],
            ),
            (
                "idx_time_entries_ws_user_start",
                vec![
                    TimeEntries::WorkspaceId,
                    TimeEntries::UserId,
                    TimeEntries::StartedAt,
                ],
            ),
            (
                "idx_time_entries_ws_project",
                vec![TimeEntries::WorkspaceId, TimeEntries::ProjectId],
            ),
            ("idx_time_entries_invoice", vec![TimeEntries::InvoiceId]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(TimeEntries::Table);
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx.to_owned()).await?;
        }
        // One running timer per person per workspace, enforced by the
        // database so it holds across app instances (a partial index: both
        // SQLite and PostgreSQL support it).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS uq_time_entries_running \
                 ON time_entries (workspace_id, user_id) WHERE ended_at IS NULL",
            )
            .await?;
        m.create_table(
            Table::create()
                .table(TimeEntryTags::Table)
                .if_not_exists()
                .col(uuid(TimeEntryTags::EntryId))
                .col(uuid(TimeEntryTags::TagId))
                .col(uuid(TimeEntryTags::WorkspaceId))
                .primary_key(
                    Index::create()
                        .col(TimeEntryTags::EntryId)
                        .col(TimeEntryTags::TagId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TimeEntryTags::Table, TimeEntryTags::EntryId)
                        .to(TimeEntries::Table, TimeEntries::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TimeEntryTags::Table, TimeEntryTags::TagId)
                        .to(Tags::Table, Tags::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut workspace_fk(
                    TimeEntryTags::Table,
                    TimeEntryTags::WorkspaceId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_time_entry_tags_tag")
                .table(TimeEntryTags::Table)
                .col(TimeEntryTags::TagId)
                .col(TimeEntryTags::EntryId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            TimeEntryTags::Table.into_iden(),
            TimeEntries::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
