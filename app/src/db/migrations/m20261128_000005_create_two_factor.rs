use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tables::*;

/// Two-factor authentication: one row per person with the encrypted secret
/// (or a pending one during setup), the last accepted step and the
/// per-account failure counter; hashed one-time recovery codes; and the
/// short-lived challenge between a correct password and the second step.
pub struct M20261128000005CreateTwoFactor;

impl MigrationName for M20261128000005CreateTwoFactor {
    fn name(&self) -> &str {
        "m20261128_000005_create_two_factor"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261128000005CreateTwoFactor {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TwoFactor::Table)
                .if_not_exists()
                .col(uuid(TwoFactor::UserId).primary_key())
                .col(text_null(TwoFactor::SecretEnc))
                .col(timestamp_with_time_zone_null(TwoFactor::EnabledAt))
                .col(text_null(TwoFactor::PendingSecretEnc))
                .col(timestamp_with_time_zone_null(TwoFactor::PendingExpiresAt))
                .col(big_integer(TwoFactor::LastUsedStep).default(0))
                .col(big_integer(TwoFactor::FailStep).default(0))
                .col(integer(TwoFactor::FailCount).default(0))
                .foreign_key(&mut user_fk(TwoFactor::Table, TwoFactor::UserId))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RecoveryCodes::Table)
                .if_not_exists()
                .col(uuid(RecoveryCodes::Id).primary_key())
                .col(uuid(RecoveryCodes::UserId))
                .col(string_len(RecoveryCodes::CodeHash, 64))
                .col(timestamp_with_time_zone_null(RecoveryCodes::UsedAt))
                .col(timestamp_with_time_zone(RecoveryCodes::CreatedAt))
                .foreign_key(&mut user_fk(RecoveryCodes::Table, RecoveryCodes::UserId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_recovery_codes_user_hash")
                .table(RecoveryCodes::Table)
                .col(RecoveryCodes::UserId)
                .col(RecoveryCodes::CodeHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LoginChallenges::Table)
                .if_not_exists()
                .col(uuid(LoginChallenges::Id).primary_key())
                .col(string_len(LoginChallenges::TokenHash, 64).unique_key())
                .col(uuid(LoginChallenges::UserId))
                .col(uuid_null(LoginChallenges::WorkspaceId))
                .col(timestamp_with_time_zone(LoginChallenges::CreatedAt))
                .col(timestamp_with_time_zone(LoginChallenges::ExpiresAt))
                .foreign_key(&mut user_fk(
                    LoginChallenges::Table,
                    LoginChallenges::UserId,
                ))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            LoginChallenges::Table.into_iden(),
            RecoveryCodes::Table.into_iden(),
            TwoFactor::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
