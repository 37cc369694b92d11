use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tables::*;

/// Clients, projects and tags: the catalogue time entries point at. Names
/// are unique per workspace, case-insensitively (`name_key`).
pub struct M20261127000002CreateCatalog;

impl MigrationName for M20261127000002CreateCatalog {
    fn name(&self) -> &str {
        "m20261127_000002_create_catalog"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261127000002CreateCatalog {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Clients::Table)
                .if_not_exists()
                .col(uuid(Clients::Id).primary_key())
                .col(uuid(Clients::WorkspaceId))
                .col(string_len(Clients::Name, 200))
                .col(string_len(Clients::NameKey, 200))
                .col(timestamp_with_time_zone_null(Clients::ArchivedAt))
                .col(timestamp_with_time_zone(Clients::CreatedAt))
                .foreign_key(&mut workspace_fk(Clients::Table, Clients::WorkspaceId))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Projects::Table)
                .if_not_exists()
                .col(uuid(Projects::Id).primary_key())
                .col(uuid(Projects::WorkspaceId))
                .col(uuid_null(Projects::ClientId))
                .col(string_len(Projects::Name, 200))
                .col(string_len(Projects::NameKey, 200))
                .col(string_len(Projects::Color, 7))
                .col(boolean(Projects::Billable))
                .col(big_integer_null(Projects::HourlyRateCents))
                .col(timestamp_with_time_zone_null(Projects::ArchivedAt))
                .col(timestamp_with_time_zone(Projects::CreatedAt))
                .foreign_key(&mut workspace_fk(Projects::Table, Projects::WorkspaceId))
                .foreign_key(
                    ForeignKey::create()
                        .from(Projects::Table, Projects::ClientId)
                        .to(Clients::Table, Clients::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Tags::Table)
                .if_not_exists()
                .col(uuid(Tags::Id).primary_key())
                .col(uuid(Tags::WorkspaceId))
                .col(string_len(Tags::Name, 100))
                .col(string_len(Tags::NameKey, 100))
                .col(string_len(Tags::Color, 7))
                .col(timestamp_with_time_zone(Tags::CreatedAt))
                .foreign_key(&mut workspace_fk(Tags::Table, Tags::WorkspaceId))
                .to_owned(),
        )
        .await?;
        for (name, table, key) in [
            (
                "uq_clients_name",
                Clients::Table.into_iden(),
                Clients::NameKey.into_iden(),
            ),
            (
                "uq_projects_name",
                Projects::Table.into_iden(),
                Projects::NameKey.into_iden(),
            ),
            (
                "uq_tags_name",
                Tags::Table.into_iden(),
                Tags::NameKey.into_iden(),
            ),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(table)
                    .col(Clients::WorkspaceId)
                    .col(key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Tags::Table.into_iden(),
            Projects::Table.into_iden(),
            Clients::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
