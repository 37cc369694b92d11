use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tables::*;

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
