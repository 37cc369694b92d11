use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tables::*;

/// Accounts, workspaces, memberships, database-backed sessions and the
/// shared rate-limit counters.
pub struct M20261127000001CreateAccounts;

impl MigrationName for M20261127000001CreateAccounts {
    fn name(&self) -> &str {
        "m20261127_000001_create_accounts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261127000001CreateAccounts {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .if_not_exists()
                .col(uuid(Users::Id).primary_key())
                .col(string_len(Users::Email, 320).unique_key())
                .col(string_len(Users::Name, 200))
                .col(string(Users::PasswordHash))
                .col(string_len(Users::Timezone, 64))
                .col(timestamp_with_time_zone_null(Users::DisabledAt))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Workspaces::Table)
                .if_not_exists()
                .col(uuid(Workspaces::Id).primary_key())
                .col(string_len(Workspaces::Name, 200))
                .col(string_len(Workspaces::Plan, 16))
                .col(string_len(Workspaces::BillingStatus, 16))
                .col(timestamp_with_time_zone(Workspaces::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Memberships::Table)
                .if_not_exists()
                .col(uuid(Memberships::WorkspaceId))
                .col(uuid(Memberships::UserId))
                .col(string_len(Memberships::Role, 16))
                .col(timestamp_with_time_zone(Memberships::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(Memberships::WorkspaceId)
                        .col(Memberships::UserId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Memberships::Table, Memberships::WorkspaceId)
                        .to(Workspaces::Table, Workspaces::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Memberships::Table, Memberships::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_memberships_user")
                .table(Memberships::Table)
                .col(Memberships::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .if_not_exists()
                .col(uuid(Sessions::Id).primary_key())
                .col(string_len(Sessions::TokenHash, 64).unique_key())
                .col(uuid(Sessions::UserId))
                .col(uuid_null(Sessions::CurrentWorkspaceId))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                .col(string_len(Sessions::UserAgent, 512))
                .col(string_len(Sessions::Ip, 64))
                .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sessions_user")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RateLimits::Table)
                .if_not_exists()
                .col(string_len(RateLimits::Bucket, 200))
                .col(big_integer(RateLimits::WindowStart))
                .col(integer(RateLimits::Hits))
                .primary_key(
                    Index::create()
                        .col(RateLimits::Bucket)
                        .col(RateLimits::WindowStart),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            RateLimits::Table.into_iden(),
            Sessions::Table.into_iden(),
            Memberships::Table.into_iden(),
            Workspaces::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
