//! The tables and columns the migrations name, and the foreign keys most of
//! them share.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
pub(super) enum Users {
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
pub(super) enum Workspaces {
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
pub(super) enum Memberships {
    Table,
    WorkspaceId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum Sessions {
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
pub(super) enum RateLimits {
    Table,
    Bucket,
    WindowStart,
    Hits,
}

#[derive(DeriveIden)]
pub(super) enum Clients {
    Table,
    Id,
    WorkspaceId,
    Name,
    NameKey,
    ArchivedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum Projects {
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
pub(super) enum Tags {
    Table,
    Id,
    WorkspaceId,
    Name,
    NameKey,
    Color,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum TimeEntries {
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
pub(super) enum TimeEntryTags {
    Table,
    EntryId,
    TagId,
    WorkspaceId,
}

#[derive(DeriveIden)]
pub(super) enum Invoices {
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
pub(super) enum InvoiceLines {
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

#[derive(DeriveIden)]
pub(super) enum TwoFactor {
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
pub(super) enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(super) enum LoginChallenges {
    Table,
    Id,
    TokenHash,
    UserId,
    WorkspaceId,
    CreatedAt,
    ExpiresAt,
}

pub(super) fn workspace_fk(
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Workspaces::Table, Workspaces::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

pub(super) fn user_fk(
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}
