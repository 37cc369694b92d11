//! Schema migrations, applied in order at start and by `timether migrate`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

mod m20261201_000009_sign_in_failures;
mod m20261201_000010_session_locations;
mod m20261201_000011_tenant_foreign_keys;
use m20261201_000009_sign_in_failures::M20261201000009SignInFailures;
use m20261201_000010_session_locations::M20261201000010SessionLocations;
use m20261201_000011_tenant_foreign_keys::M20261201000011TenantForeignKeys;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(M20261127000001CreateAccounts),
            Box::new(M20261127000002CreateCatalog),
            Box::new(M20261127000003CreateTimeEntries),
            Box::new(M20261127000004CreateInvoices),
            Box::new(M20261128000005CreateTwoFactor),
            Box::new(M20261128000006CreateApiTokens),
            Box::new(M20261128000007WorkspaceDataVersion),
            Box::new(M20261128000008BulkLoadSwitch),
            Box::new(M20261201000009SignInFailures),
            Box::new(M20261201000010SessionLocations),
            Box::new(M20261201000011TenantForeignKeys),
        ]
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    Timezone,
    DisabledAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    Name,
    Plan,
    BillingStatus,
    DefaultRateCents,
    Currency,
    CreatedAt,
    DataVersion,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    WorkspaceId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CurrentWorkspaceId,
    CreatedAt,
    LastSeenAt,
    UserAgent,
    Ip,
    RevokedAt,
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Bucket,
    WindowStart,
    Hits,
}

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

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
    WorkspaceId,
    Name,
    NameKey,
    ArchivedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    WorkspaceId,
    ClientId,
    Name,
    NameKey,
    Color,
    Billable,
    HourlyRateCents,
    ArchivedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
    WorkspaceId,
    Name,
    NameKey,
    Color,
    CreatedAt,
}

/// Clients, projects and tags: the catalogue time entries point at. Names
/// are unique per workspace, case-insensitively (`name_key`).
pub struct M20261127000002CreateCatalog;

impl MigrationName for M20261127000002CreateCatalog {
    fn name(&self) -> &str {
        "m20261127_000002_create_catalog"
    }
}

fn workspace_fk(
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Workspaces::Table, Workspaces::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
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

#[derive(DeriveIden)]
enum TimeEntries {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Description,
    ProjectId,
    Billable,
    StartedAt,
    EndedAt,
    InvoiceId,
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TimeEntryTags {
    Table,
    EntryId,
    TagId,
    WorkspaceId,
}

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

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    WorkspaceId,
    Number,
    ClientId,
    ClientName,
    PeriodFrom,
    PeriodTo,
    Currency,
    TaxRateBp,
    Notes,
    Status,
    SubtotalCents,
    TaxCents,
    TotalCents,
    EntryCount,
    CreatedBy,
    CreatedAt,
    SentAt,
    PaidAt,
}

#[derive(DeriveIden)]
enum InvoiceLines {
    Table,
    Id,
    InvoiceId,
    WorkspaceId,
    Position,
    ProjectName,
    Secs,
    RateCents,
    AmountCents,
}

/// Invoices and their lines: a snapshot of client name, lines and amounts.
/// Numbers are unique per workspace.
pub struct M20261127000004CreateInvoices;

impl MigrationName for M20261127000004CreateInvoices {
    fn name(&self) -> &str {
        "m20261127_000004_create_invoices"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261127000004CreateInvoices {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Invoices::Table)
                .if_not_exists()
                .col(uuid(Invoices::Id).primary_key())
                .col(uuid(Invoices::WorkspaceId))
                .col(big_integer(Invoices::Number))
                .col(uuid_null(Invoices::ClientId))
                .col(string_len(Invoices::ClientName, 200))
                .col(date(Invoices::PeriodFrom))
                .col(date(Invoices::PeriodTo))
                .col(string_len(Invoices::Currency, 3))
                .col(big_integer(Invoices::TaxRateBp))
                .col(text(Invoices::Notes))
                .col(string_len(Invoices::Status, 16))
                .col(big_integer(Invoices::SubtotalCents))
                .col(big_integer(Invoices::TaxCents))
                .col(big_integer(Invoices::TotalCents))
                .col(big_integer(Invoices::EntryCount))
                .col(uuid(Invoices::CreatedBy))
                .col(timestamp_with_time_zone(Invoices::CreatedAt))
                .col(timestamp_with_time_zone_null(Invoices::SentAt))
                .col(timestamp_with_time_zone_null(Invoices::PaidAt))
                .foreign_key(&mut workspace_fk(Invoices::Table, Invoices::WorkspaceId))
                .foreign_key(
                    ForeignKey::create()
                        .from(Invoices::Table, Invoices::ClientId)
                        .to(Clients::Table, Clients::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_invoices_number")
                .table(Invoices::Table)
                .col(Invoices::WorkspaceId)
                .col(Invoices::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(InvoiceLines::Table)
                .if_not_exists()
                .col(uuid(InvoiceLines::Id).primary_key())
                .col(uuid(InvoiceLines::InvoiceId))
                .col(uuid(InvoiceLines::WorkspaceId))
                .col(integer(InvoiceLines::Position))
                .col(string_len(InvoiceLines::ProjectName, 200))
                .col(big_integer(InvoiceLines::Secs))
                .col(big_integer(InvoiceLines::RateCents))
                .col(big_integer(InvoiceLines::AmountCents))
                .foreign_key(
                    ForeignKey::create()
                        .from(InvoiceLines::Table, InvoiceLines::InvoiceId)
                        .to(Invoices::Table, Invoices::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut workspace_fk(
                    InvoiceLines::Table,
                    InvoiceLines::WorkspaceId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_invoice_lines_invoice")
                .table(InvoiceLines::Table)
                .col(InvoiceLines::InvoiceId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [InvoiceLines::Table.into_iden(), Invoices::Table.into_iden()] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum TwoFactor {
    Table,
    UserId,
    SecretEnc,
    EnabledAt,
    PendingSecretEnc,
    PendingExpiresAt,
    LastUsedStep,
    FailStep,
    FailCount,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginChallenges {
    Table,
    Id,
    TokenHash,
    UserId,
    WorkspaceId,
    CreatedAt,
    ExpiresAt,
}

fn user_fk(
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

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

/// A per-workspace counter that every change to what entry lists show
/// moves forward: entries, their tags, projects, clients, tags and
/// invoices. Database triggers keep it, so no write path (the UI, the API,
/// `dev seed`, an import, a second app instance) can forget to. Readers
/// compare it with the version a cached page was read at
/// (`crate::entries::service::page_cache`).
pub struct M20261128000007WorkspaceDataVersion;

impl MigrationName for M20261128000007WorkspaceDataVersion {
    fn name(&self) -> &str {
        "m20261128_000007_workspace_data_version"
    }
}

/// The tables whose rows entry lists show, each with a `workspace_id`.
const VERSIONED_TABLES: [&str; 6] = [
    "time_entries",
    "time_entry_tags",
    "projects",
    "clients",
    "tags",
    "invoices",
];

#[async_trait::async_trait]
impl MigrationTrait for M20261128000007WorkspaceDataVersion {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Workspaces::Table)
                .add_column(big_integer(Workspaces::DataVersion).default(0))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => {
                for t in VERSIONED_TABLES {
                    for (op, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER IF NOT EXISTS trg_{t}_{op}_version \
                             AFTER {op} ON {t} FOR EACH ROW BEGIN \
                               UPDATE workspaces SET data_version = data_version + 1 \
                               WHERE id = {row}.workspace_id; \
                             END",
                            op = op.to_lowercase(),
                        ))
                        .await?;
                    }
                }
            }
            _ => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION timether_bump_data_version() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                       IF TG_OP = 'DELETE' THEN \
                         UPDATE workspaces SET data_version = data_version + 1 WHERE id = OLD.workspace_id; \
                         RETURN OLD; \
                       END IF; \
                       UPDATE workspaces SET data_version = data_version + 1 WHERE id = NEW.workspace_id; \
                       RETURN NEW; \
                     END $$",
                )
                .await?;
                for t in VERSIONED_TABLES {
                    db.execute_unprepared(&format!(
                        "CREATE OR REPLACE TRIGGER trg_{t}_version \
                         AFTER INSERT OR UPDATE OR DELETE ON {t} \
                         FOR EACH ROW EXECUTE FUNCTION timether_bump_data_version()"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => {
                for t in VERSIONED_TABLES {
                    for op in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS trg_{t}_{op}_version"
                        ))
                        .await?;
                    }
                }
            }
            _ => {
                for t in VERSIONED_TABLES {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS trg_{t}_version ON {t}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS timether_bump_data_version()")
                    .await?;
            }
        }
        m.alter_table(
            Table::alter()
                .table(Workspaces::Table)
                .drop_column(Workspaces::DataVersion)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

/// PostgreSQL's version trigger function learns to stand aside during a bulk
/// load: a transaction that sets `timether.bulk_load` to `on` (see
/// [`BulkLoad`]) writes its rows without a version bump per row, and moves
/// the version once itself. The setting lives only as long as the
/// transaction; no table lock or schema change is needed. (SQLite's bulk
/// loads drop and recreate the triggers inside their transaction.)
pub struct M20261128000008BulkLoadSwitch;

impl MigrationName for M20261128000008BulkLoadSwitch {
    fn name(&self) -> &str {
        "m20261128_000008_bulk_load_switch"
    }
}

const BUMP_BODY: &str = "IF TG_OP = 'DELETE' THEN \
       UPDATE workspaces SET data_version = data_version + 1 WHERE id = OLD.workspace_id; \
       RETURN OLD; \
     END IF; \
     UPDATE workspaces SET data_version = data_version + 1 WHERE id = NEW.workspace_id; \
     RETURN NEW;";

#[async_trait::async_trait]
impl MigrationTrait for M20261128000008BulkLoadSwitch {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION timether_bump_data_version() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                   IF current_setting('timether.bulk_load', true) = 'on' THEN RETURN NULL; END IF; \
                   {BUMP_BODY} \
                 END $$"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION timether_bump_data_version() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN {BUMP_BODY} END $$"
            ))
            .await?;
        Ok(())
    }
}

/// A bulk load (`timether dev seed`) writing many rows of one workspace into
/// `tables`, inside one transaction (which is why it takes a
/// [`DatabaseTransaction`]: everything it changes is undone with it).
///
/// The per-row version triggers stand aside for the load, and [`end`]
/// moves the workspace's version forward once, so no reader sees the new
/// rows under the old version. On PostgreSQL a transaction-local setting
/// tells the trigger function to skip (migration
/// [`M20261128000008BulkLoadSwitch`]); rows other transactions write
/// meanwhile still bump their versions. On SQLite, which has one writer at
/// a time, the load drops the tables' version triggers and secondary
/// indexes and at the end recreates them from the definitions the database
/// held (one sort per index is quicker than growing it row by row, and a
/// rebuilt unique index checks its rows again).
///
/// [`end`]: BulkLoad::end
pub struct BulkLoad {
    /// SQLite: the dropped triggers' and indexes' definitions, indexes first.
    dropped: Vec<String>,
    /// SQLite: the connection's page cache size before the load, given back
    /// at its end.
    cache_size: Option<i64>,
}

/// The SQL of a bulk load on SQLite, shared by [`BulkLoad`] and the direct
/// bulk writer (`db::direct::SqliteBulk`).
pub(crate) mod sqlite_bulk {
    /// The secondary indexes and version triggers of `tables` (type, name,
    /// definition), indexes first: what a bulk load drops and recreates.
    /// With foreign keys on, the tenant keys (unique indexes the composite
    /// foreign keys refer to) must stay, or every insert fails; a load with
    /// foreign keys off drops them too and rebuilds them once at the end.
    pub fn objects(tables: &[&str], foreign_keys_on: bool) -> String {
        let list = tables
            .iter()
            .map(|t| format!("'{}'", t.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "SELECT type, name, sql FROM sqlite_master \
             WHERE tbl_name IN ({list}) AND sql IS NOT NULL \
               AND ((type = 'index' AND ({all} OR name NOT LIKE '{tk}%' ESCAPE '\\')) \
                 OR (type = 'trigger' AND name LIKE 'trg\\_%\\_version' ESCAPE '\\')) \
             ORDER BY type",
            all = if foreign_keys_on { "0" } else { "1" },
            tk = super::m20261201_000011_tenant_foreign_keys::TENANT_KEY_PREFIX.replace('_', "\\_")
        )
    }

    /// Drops one of [`objects`]' rows (`kind` as `sqlite_master` spells it).
    pub fn drop(kind: &str, name: &str) -> String {
        let kind = if kind == "index" { "INDEX" } else { "TRIGGER" };
        format!("DROP {kind} \"{}\"", name.replace('"', "\"\""))
    }

    /// The page cache for a bulk load, 256 MiB: the load's pages stay in
    /// memory until the commit instead of spilling to the write-ahead log
    /// and being read back, and the index rebuilds sort in memory. Only
    /// pages the load touches take memory.
    pub const CACHE: &str = "PRAGMA cache_size = -262144";

    /// Moves a workspace's data version on once, at the end of the load.
    pub const BUMP: &str = "UPDATE workspaces SET data_version = data_version + 1 WHERE id = ?";
}

impl BulkLoad {
    pub async fn begin(txn: &sea_orm::DatabaseTransaction, tables: &[&str]) -> Result<Self, DbErr> {
        let mut load = BulkLoad {
            dropped: Vec::new(),
            cache_size: None,
        };
        if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            txn.execute_unprepared("SET LOCAL timether.bulk_load = 'on'")
                .await?;
            return Ok(load);
        }
        let rows = txn
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                sqlite_bulk::objects(tables, true),
            ))
            .await?;
        let cache = txn
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                "PRAGMA cache_size",
            ))
            .await?;
        if let Some(row) = cache {
            load.cache_size = Some(row.try_get_by_index(0)?);
            txn.execute_unprepared(sqlite_bulk::CACHE).await?;
        }
        for row in rows {
            let kind: String = row.try_get_by_index(0)?;
            let name: String = row.try_get_by_index(1)?;
            let sql: String = row.try_get_by_index(2)?;
            txn.execute_unprepared(&sqlite_bulk::drop(&kind, &name))
                .await?;
            load.dropped.push(sql);
        }
        Ok(load)
    }

    pub async fn end(
        self,
        txn: &sea_orm::DatabaseTransaction,
        workspace: uuid::Uuid,
    ) -> Result<(), DbErr> {
        let backend = txn.get_database_backend();
        if backend == sea_orm::DatabaseBackend::Postgres {
            txn.execute_unprepared("SET LOCAL timether.bulk_load = 'off'")
                .await?;
        }
        for sql in &self.dropped {
            txn.execute_unprepared(sql).await?;
        }
        if let Some(size) = self.cache_size {
            txn.execute_unprepared(&format!("PRAGMA cache_size = {size}"))
                .await?;
        }
        txn.execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DatabaseBackend::Postgres => {
                    "UPDATE workspaces SET data_version = data_version + 1 WHERE id = $1"
                }
                _ => sqlite_bulk::BUMP,
            },
            [workspace.into()],
        ))
        .await?;
        Ok(())
    }
}
