//! Failed password sign-ins per account, across all addresses: the
//! per-account throttle of `crate::rate_limit::account`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct M20261201000009SignInFailures;

impl MigrationName for M20261201000009SignInFailures {
    fn name(&self) -> &str {
        "m20261201_000009_sign_in_failures"
    }
}

#[derive(DeriveIden)]
enum SignInFailures {
    Table,
    /// A digest of the normalised email: accounts that do not exist are
    /// counted the same way, and no address is stored in the clear.
    Account,
    Failures,
    /// Unix seconds.
    LastFailureAt,
}

#[async_trait::async_trait]
impl MigrationTrait for M20261201000009SignInFailures {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SignInFailures::Table)
                .if_not_exists()
                .col(string_len(SignInFailures::Account, 64).primary_key())
                .col(integer(SignInFailures::Failures))
                .col(big_integer(SignInFailures::LastFailureAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(SignInFailures::Table)
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
