//! Invoices: a client's billable, not yet invoiced time for a period, as
//! lines per project (hours, rate, amount), with tax and notes, numbered
//! per workspace (`INV-0001`). Draft → sent → paid. An invoice keeps a
//! snapshot of the client's name and its lines, so it reads the same after
//! the client or projects change. Deleting a draft releases its entries.

use crate::error::AppError;
use crate::periods::decimal_hours;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceStatus {
    Draft,
    Sent,
    Paid,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Sent => "sent",
            InvoiceStatus::Paid => "paid",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            InvoiceStatus::Draft,
            InvoiceStatus::Sent,
            InvoiceStatus::Paid,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "Draft",
            InvoiceStatus::Sent => "Sent",
            InvoiceStatus::Paid => "Paid",
        }
    }
    /// The one status that may follow this one.
    pub fn next(self) -> Option<Self> {
        match self {
            InvoiceStatus::Draft => Some(InvoiceStatus::Sent),
            InvoiceStatus::Sent => Some(InvoiceStatus::Paid),
            InvoiceStatus::Paid => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub project_name: String,
    pub secs: i64,
    pub rate_cents: i64,
    pub amount_cents: i64,
}

impl InvoiceLine {
    /// The billed quantity as printed: hours with two decimals (`54.82`).
    pub fn hours(&self) -> String {
        decimal_hours(self.secs)
    }
}

/// The hours a line bills for `secs`, in hundredths, rounded half up: the
/// quantity the invoice prints (`decimal_hours`, 54.82 h is 5,482).
pub fn billed_centi_hours(secs: i64) -> i64 {
    (secs.max(0) * 100 + 1800) / 3600
}

/// A line's amount: the printed quantity times the rate, rounded half up
/// to the cent. A client who multiplies the printed numbers gets the
/// printed amount (from exact seconds, 54.82 h × 135.00 read 7,400.18).
pub fn line_amount(secs: i64, rate_cents: i64) -> i64 {
    let n = i128::from(billed_centi_hours(secs)) * i128::from(rate_cents);
    let cents = if n >= 0 {
        (n + 50) / 100
    } else {
        (n - 50) / 100
    };
    i64::try_from(cents).unwrap_or(i64::MAX)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: Uuid,
    /// `INV-0001`.
    pub number: String,
    pub client_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub currency: String,
    /// Percent with up to two decimals, as entered: `19` or `7.5`.
    pub tax_rate: String,
    pub notes: String,
    pub status: InvoiceStatus,
    pub lines: Vec<InvoiceLine>,
    pub subtotal_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub entry_count: i64,
    pub created_at: DateTime<Utc>,
    pub workspace_name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InvoiceInput {
    pub client_id: Option<Uuid>,
    /// `YYYY-MM-DD`, in the person's zone.
    pub from: String,
    pub to: String,
    /// Percent, e.g. `19` or `7.5`; empty for none.
    #[serde(default)]
    pub tax_rate: String,
    #[serde(default)]
    pub notes: String,
}

/// `INV-0001`.
pub fn number_text(n: i64) -> String {
    format!("INV-{n:04}")
}

/// Parses a tax rate in percent (`19`, `7.5`, `0.25`) into basis points.
pub fn parse_tax(raw: &str) -> Result<i64, String> {
    let s = raw.trim().trim_end_matches('%').trim();
    if s.is_empty() {
        return Ok(0);
    }
    crate::projects::parse_rate(s)
        .ok()
        .flatten()
        .filter(|bp| *bp <= 10_000)
        .ok_or_else(|| "Enter a tax rate in percent between 0 and 100, like 19 or 7.5.".into())
}

/// `subtotal` × `bp` / 10,000, rounded half up to the cent.
pub fn tax(subtotal_cents: i64, bp: i64) -> i64 {
    ((subtotal_cents as i128 * bp as i128 + 5_000) / 10_000) as i64
}

/// Basis points as the percent people typed: `19`, `7.5`, `7.25`.
pub fn bp_text(bp: i64) -> String {
    if bp % 100 == 0 {
        format!("{}", bp / 100)
    } else if bp % 10 == 0 {
        format!("{}.{}", bp / 100, (bp % 100) / 10)
    } else {
        format!("{}.{:02}", bp / 100, bp % 100)
    }
}

#[server(prefix = "/rpc", endpoint = "list_invoices", input = Json)]
pub async fn list_invoices() -> Result<Vec<Invoice>, AppError> {
    crate::context::scoped(|ctx, scope| async move { service::list(&ctx.db, &scope).await }).await
}

#[server(prefix = "/rpc", endpoint = "get_invoice", input = Json)]
pub async fn get_invoice(id: Uuid) -> Result<Invoice, AppError> {
    crate::context::scoped(|ctx, scope| async move { service::get(&ctx.db, &scope, id).await })
        .await
}

#[server(prefix = "/rpc", endpoint = "create_invoice", input = Json)]
pub async fn create_invoice(input: InvoiceInput) -> Result<Invoice, AppError> {
    crate::context::zoned(|ctx, scope, tz| async move {
        service::create(&ctx.db, &scope, tz, input.parse()?, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "set_invoice_status", input = Json)]
pub async fn set_invoice_status(id: Uuid, status: InvoiceStatus) -> Result<Invoice, AppError> {
    crate::context::scoped(|ctx, scope| async move {
        service::set_status(&ctx.db, &scope, id, status, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_invoice", input = Json)]
pub async fn delete_invoice(id: Uuid) -> Result<(), AppError> {
    crate::context::scoped(|ctx, scope| async move { service::delete(&ctx.db, &scope, id).await })
        .await
}

#[cfg(feature = "ssr")]
pub mod pdf;

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::db::entities::{invoice_lines, invoices, projects, time_entries, workspaces};
    use crate::entries::service::live;
    use crate::error::Error;
    use crate::periods;
    use crate::tenant::Scope;
    use chrono_tz::Tz;
    use sea_orm::sea_query::{Expr, Query};
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
        QueryFilter, QueryOrder, QuerySelect, Set,
    };
    use std::collections::BTreeMap;

    /// Entry id, project, start, end.
    type BillRow = (Uuid, Option<Uuid>, DateTime<Utc>, Option<DateTime<Utc>>);

    async fn view(
        db: &impl ConnectionTrait,
        scope: &Scope,
        m: invoices::Model,
    ) -> Result<Invoice, Error> {
        let lines = scope
            .find::<invoice_lines::Entity>()
            .filter(invoice_lines::Column::InvoiceId.eq(m.id))
            .order_by_asc(invoice_lines::Column::Position)
            .all(db)
            .await?
            .into_iter()
            .map(|l| InvoiceLine {
                project_name: l.project_name,
                secs: l.secs,
                rate_cents: l.rate_cents,
                amount_cents: l.amount_cents,
            })
            .collect();
        let ws = workspaces::Entity::find_by_id(scope.workspace_id)
            .one(db)
            .await?
            .map(|w| w.name)
            .unwrap_or_default();
        Ok(summary(m, lines, ws))
    }

    fn summary(m: invoices::Model, lines: Vec<InvoiceLine>, workspace_name: String) -> Invoice {
        Invoice {
            id: m.id,
            number: number_text(m.number),
            client_name: m.client_name,
            period_from: m.period_from,
            period_to: m.period_to,
            currency: m.currency,
            tax_rate: bp_text(m.tax_rate_bp),
            notes: m.notes,
            status: InvoiceStatus::parse(&m.status).unwrap_or(InvoiceStatus::Draft),
            lines,
            subtotal_cents: m.subtotal_cents,
            tax_cents: m.tax_cents,
            total_cents: m.total_cents,
            entry_count: m.entry_count,
            created_at: m.created_at,
            workspace_name,
        }
    }

    pub async fn list(db: &DatabaseConnection, scope: &Scope) -> Result<Vec<Invoice>, Error> {
        scope.manager()?;
        Ok(scope
            .find::<invoices::Entity>()
            .order_by_desc(invoices::Column::Number)
            .all(db)
            .await?
            .into_iter()
            .map(|m| summary(m, Vec::new(), String::new()))
            .collect())
    }

    pub async fn get(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> Result<Invoice, Error> {
        scope.manager()?;
        let m = scope.get::<invoices::Entity>(db, id, "The invoice").await?;
        view(db, scope, m).await
    }

    /// Lines per project from (project, billable seconds), with each
    /// project's rate or the workspace default. Sorted by project name.
    pub fn lines(
        per_project: &BTreeMap<Uuid, i64>,
        projects: &[projects::Model],
        default_rate: Option<i64>,
    ) -> Result<Vec<InvoiceLine>, Error> {
        let mut out = Vec::new();
        for (pid, secs) in per_project {
            let p = projects
                .iter()
                .find(|p| p.id == *pid)
                .ok_or_else(|| Error::Internal(format!("project {pid} vanished")))?;
            let rate = p.hourly_rate_cents.or(default_rate).ok_or_else(|| {
                Error::invalid(
                    "client_id",
                    format!(
                        "The project “{}” has no hourly rate and the workspace has no default rate. Set one first.",
                        p.name
                    ),
                )
            })?;
            out.push(InvoiceLine {
                project_name: p.name.clone(),
                secs: *secs,
                rate_cents: rate,
                amount_cents: line_amount(*secs, rate),
            });
        }
        out.sort_by(|a, b| {
            a.project_name
                .to_lowercase()
                .cmp(&b.project_name.to_lowercase())
        });
        Ok(out)
    }

    /// A draft invoice to make: the client's billable, not yet invoiced
    /// time from `from` to `to` (days in the person's zone, both included).
    #[derive(Clone, Debug)]
    pub struct NewInvoice {
        pub client_id: Uuid,
        pub from: NaiveDate,
        pub to: NaiveDate,
        /// Tax in basis points (1,900 for 19 %).
        pub tax_bp: i64,
        pub notes: String,
    }

    /// A tax rate in percent (`19`, `7.5`, empty for none) as basis points.
    pub fn tax_bp(raw: &str) -> Result<i64, Error> {
        parse_tax(raw).map_err(|m| Error::invalid("tax_rate", m))
    }

    impl InvoiceInput {
        /// The form's strings as a command, each refusal naming its field.
        pub fn parse(&self) -> Result<NewInvoice, Error> {
            Ok(NewInvoice {
                client_id: self
                    .client_id
                    .ok_or_else(|| Error::invalid("client_id", "Choose a client."))?,
                from: periods::parse_day(&self.from, "from")?,
                to: periods::parse_day(&self.to, "to")?,
                tax_bp: tax_bp(&self.tax_rate)?,
                notes: self.notes.clone(),
            })
        }
    }

    pub async fn create(
        db: &DatabaseConnection,
        scope: &Scope,
        tz: Tz,
        input: NewInvoice,
        now: DateTime<Utc>,
    ) -> Result<Invoice, Error> {
        scope.manager()?.writable()?;
        let NewInvoice {
            client_id,
            from,
            to,
            tax_bp,
            ..
        } = input;
        periods::check_year(chrono::Datelike::year(&from), "from")?;
        periods::check_year(chrono::Datelike::year(&to), "to")?;
        if to < from {
            return Err(Error::invalid(
                "to",
                "The end date is before the start date.",
            ));
        }
        if !(0..=10_000).contains(&tax_bp) {
            return Err(Error::invalid(
                "tax_rate",
                "Enter a tax rate in percent between 0 and 100, like 19 or 7.5.",
            ));
        }
        let notes = input.notes.trim().to_string();
        if notes.chars().count() > 4000 {
            return Err(Error::invalid("notes", "Use at most 4,000 characters."));
        }
        let txn = crate::db::begin_write(db).await?;
        let client = scope
            .get::<crate::db::entities::clients::Entity>(&txn, client_id, "The client")
            .await
            .map_err(|_| Error::invalid("client_id", "Choose a client from this workspace."))?;
        // Locked (PostgreSQL `FOR UPDATE`): invoices of one workspace are
        // numbered one at a time, so two made at once get the next two
        // numbers instead of one of them a conflict.
        let ws = scope.lock_workspace(&txn).await?;
        let client_projects = scope
            .find::<projects::Entity>()
            .filter(projects::Column::ClientId.eq(client_id))
            .all(&txn)
            .await?;
        let (lo, hi) = periods::range_utc(tz, from, to);
        let rows: Vec<BillRow> = live(scope)
            .filter(time_entries::Column::Billable.eq(true))
            .filter(time_entries::Column::EndedAt.is_not_null())
            .filter(time_entries::Column::InvoiceId.is_null())
            .filter(time_entries::Column::StartedAt.gte(lo))
            .filter(time_entries::Column::StartedAt.lt(hi))
            .filter(
                time_entries::Column::ProjectId.in_subquery(
                    Query::select()
                        .column(projects::Column::Id)
                        .from(projects::Entity)
                        .and_where(projects::Column::WorkspaceId.eq(scope.workspace_id))
                        .and_where(projects::Column::ClientId.eq(client_id))
                        .to_owned(),
                ),
            )
            .select_only()
            .column(time_entries::Column::Id)
            .column(time_entries::Column::ProjectId)
            .column(time_entries::Column::StartedAt)
            .column(time_entries::Column::EndedAt)
            .into_tuple()
            .all(&txn)
            .await?;
        if rows.is_empty() {
            return Err(Error::invalid(
                "client_id",
                format!(
                    "“{}” has no billable time that is not yet invoiced between {from} and {to}.",
                    client.name
                ),
            ));
        }
        let mut per_project: BTreeMap<Uuid, i64> = BTreeMap::new();
        for (_, p, s, e) in &rows {
            if let (Some(p), Some(e)) = (p, e) {
                *per_project.entry(*p).or_default() += (*e - *s).num_seconds().max(0);
            }
        }
        let lines = lines(&per_project, &client_projects, ws.default_rate_cents)?;
        let subtotal: i64 = lines.iter().map(|l| l.amount_cents).sum();
        let tax_cents = tax(subtotal, tax_bp);
        let number: Option<i64> = scope
            .find::<invoices::Entity>()
            .select_only()
            .column_as(invoices::Column::Number.max(), "n")
            .into_tuple()
            .one(&txn)
            .await?
            .flatten();
        let id = Uuid::now_v7();
        let m = invoices::ActiveModel {
            id: Set(id),
            workspace_id: Set(scope.workspace_id),
            number: Set(number.unwrap_or(0) + 1),
            client_id: Set(Some(client_id)),
            client_name: Set(client.name.clone()),
            period_from: Set(from),
            period_to: Set(to),
            currency: Set(ws.currency.clone()),
            tax_rate_bp: Set(tax_bp),
            notes: Set(notes),
            status: Set(InvoiceStatus::Draft.as_str().into()),
            subtotal_cents: Set(subtotal),
            tax_cents: Set(tax_cents),
            total_cents: Set(subtotal + tax_cents),
            entry_count: Set(rows.len() as i64),
            created_by: Set(scope.user_id),
            created_at: Set(now),
            sent_at: Set(None),
            paid_at: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                Error::Conflict("Another invoice was just created. Please try again.".into())
            } else {
                e.into()
            }
        })?;
        if !lines.is_empty() {
            invoice_lines::Entity::insert_many(lines.iter().enumerate().map(|(i, l)| {
                invoice_lines::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    invoice_id: Set(id),
                    workspace_id: Set(scope.workspace_id),
                    position: Set(i as i32),
                    project_name: Set(l.project_name.clone()),
                    secs: Set(l.secs),
                    rate_cents: Set(l.rate_cents),
                    amount_cents: Set(l.amount_cents),
                }
            }))
            .exec_without_returning(&txn)
            .await?;
        }
        let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
        for chunk in ids.chunks(500) {
            scope
                .update_many::<time_entries::Entity>()
                .col_expr(time_entries::Column::InvoiceId, Expr::value(Some(id)))
                .filter(time_entries::Column::Id.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?;
        }
        let v = view(&txn, scope, m).await?;
        txn.commit().await?;
        Ok(v)
    }

    /// Moves an invoice one step: draft → sent → paid.
    pub async fn set_status(
        db: &DatabaseConnection,
        scope: &Scope,
        id: Uuid,
        status: InvoiceStatus,
        now: DateTime<Utc>,
    ) -> Result<Invoice, Error> {
        scope.manager()?.writable()?;
        let m = scope.get::<invoices::Entity>(db, id, "The invoice").await?;
        let cur = InvoiceStatus::parse(&m.status).unwrap_or(InvoiceStatus::Draft);
        if cur.next() != Some(status) {
            return Err(Error::Conflict(format!(
                "A {} invoice cannot be marked {}.",
                cur.label().to_lowercase(),
                status.label().to_lowercase()
            )));
        }
        let mut am: invoices::ActiveModel = m.into();
        am.status = Set(status.as_str().into());
        match status {
            InvoiceStatus::Sent => am.sent_at = Set(Some(now)),
            InvoiceStatus::Paid => am.paid_at = Set(Some(now)),
            InvoiceStatus::Draft => {}
        }
        let m = scope.update(db, am).await?;
        view(db, scope, m).await
    }

    /// Deletes a draft and releases its entries; sent and paid invoices stay.
    pub async fn delete(db: &DatabaseConnection, scope: &Scope, id: Uuid) -> Result<(), Error> {
        scope.manager()?.writable()?;
        let txn = crate::db::begin_write(db).await?;
        let m = scope
            .get::<invoices::Entity>(&txn, id, "The invoice")
            .await?;
        if m.status != InvoiceStatus::Draft.as_str() {
            return Err(Error::Conflict(
                "Only draft invoices can be deleted; sent and paid invoices are part of your records."
                    .into(),
            ));
        }
        scope
            .update_many::<time_entries::Entity>()
            .col_expr(
                time_entries::Column::InvoiceId,
                Expr::value(Option::<Uuid>::None),
            )
            .filter(time_entries::Column::InvoiceId.eq(id))
            .exec(&txn)
            .await?;
        scope
            .delete_many::<invoices::Entity>()
            .filter(invoices::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Which of these invoices are sent or paid (their entries count as invoiced).
    pub async fn issued(
        db: &impl ConnectionTrait,
        scope: &Scope,
        ids: Vec<Uuid>,
    ) -> Result<Vec<Uuid>, Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(scope
            .find::<invoices::Entity>()
            .filter(invoices::Column::Id.is_in(ids))
            .filter(invoices::Column::Status.ne(InvoiceStatus::Draft.as_str()))
            .select_only()
            .column(invoices::Column::Id)
            .into_tuple()
            .all(db)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_rates_and_rounding() {
        assert_eq!(parse_tax(""), Ok(0));
        assert_eq!(parse_tax("19"), Ok(1900));
        assert_eq!(parse_tax("7.5%"), Ok(750));
        assert!(parse_tax("101").is_err());
        assert!(parse_tax("-1").is_err());
        assert!(parse_tax("abc").is_err());
        // 19% of 33.33 = 6.3327 -> 6.33; 7.5% of 0.10 = 0.0075 -> 0.01 (half up)
        assert_eq!(tax(3333, 1900), 633);
        assert_eq!(tax(10, 750), 1);
        assert_eq!(tax(0, 1900), 0);
        assert_eq!(bp_text(1900), "19");
        assert_eq!(bp_text(750), "7.5");
        assert_eq!(bp_text(725), "7.25");
        assert_eq!(number_text(1), "INV-0001");
        assert_eq!(number_text(12345), "INV-12345");
    }

    #[test]
    fn a_line_bills_its_printed_quantity() {
        // 54 h 49 m is printed 54.82 h; at 135.00 that is 7,400.70, not the
        // 7,400.25 that exact seconds give.
        let secs = 54 * 3600 + 49 * 60;
        assert_eq!(decimal_hours(secs), "54.82");
        assert_eq!(line_amount(secs, 13_500), 740_070);
        assert_eq!(line_amount(0, 13_500), 0);
        assert_eq!(line_amount(17, 10_000), 0);
        assert_eq!(line_amount(18, 10_000), 100);
        // Exactly half a hundredth of an hour rounds up (44,019.315 h).
        assert_eq!(decimal_hours(158_469_534), "44019.32");
        assert_eq!(line_amount(158_469_534, 3_719_133), 163_713_705_650);
    }

    proptest::proptest! {
        /// Printed hours × printed rate = printed amount, to the cent, for
        /// any duration up to ten years and any rate up to 100,000.00.
        #[test]
        fn printed_numbers_multiply_out(secs in 0i64..315_360_000, rate in 0i64..10_000_000) {
            let hours = decimal_hours(secs);
            let (whole, frac) = hours.split_once('.').unwrap();
            let centi: i128 = whole.parse::<i128>().unwrap() * 100 + frac.parse::<i128>().unwrap();
            // The product in ten-thousandths of the currency, rounded half up to cents.
            let printed = (centi * i128::from(rate) + 50) / 100;
            proptest::prop_assert_eq!(i128::from(line_amount(secs, rate)), printed);
            // A line is within half a hundredth of an hour of the exact
            // time's amount (plus a cent for each of the two roundings).
            let exact = i128::from(secs) * i128::from(rate) / 3600;
            proptest::prop_assert!((i128::from(line_amount(secs, rate)) - exact).abs() <= i128::from(rate) / 200 + 2);
        }
    }

    #[test]
    fn status_moves_forward_only() {
        assert_eq!(InvoiceStatus::Draft.next(), Some(InvoiceStatus::Sent));
        assert_eq!(InvoiceStatus::Sent.next(), Some(InvoiceStatus::Paid));
        assert_eq!(InvoiceStatus::Paid.next(), None);
    }
}
