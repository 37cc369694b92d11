use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tables::*;

/// API tokens (security.md K1–K4): the SHA-256 of the token under a unique
/// index, a display hint, the creator, the scope, and when it was created,
/// last used, expires and was revoked.
pub struct M20261128000006CreateApiTokens;

impl MigrationName for M20261128000006CreateApiTokens {
    fn name(&self) -> &str {
        "m20261128_000006_create_api_tokens"
    }
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Name,
    Scope,
    TokenHash,
    Hint,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M20261128000006CreateApiTokens {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .if_not_exists()
                .col(uuid(ApiTokens::Id).primary_key())
                .col(uuid(ApiTokens::WorkspaceId))
                .col(uuid(ApiTokens::UserId))
                .col(string_len(ApiTokens::Name, 100))
                .col(string_len(ApiTokens::Scope, 16))
                .col(string_len(ApiTokens::TokenHash, 64).unique_key())
                .col(string_len(ApiTokens::Hint, 32))
                .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .foreign_key(&mut workspace_fk(ApiTokens::Table, ApiTokens::WorkspaceId))
                .foreign_key(&mut user_fk(ApiTokens::Table, ApiTokens::UserId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_api_tokens_ws_created")
                .table(ApiTokens::Table)
                .col(ApiTokens::WorkspaceId)
                .col(ApiTokens::CreatedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ApiTokens::Table).if_exists().to_owned())
            .await?;
        Ok(())
    }
}
