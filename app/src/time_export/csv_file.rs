//! Export CSV: finished entries matching a [`TimeFilter`], oldest first,
//! one row each (RFC 4180 through the `csv` crate). Read a page at a time
//! in one snapshot and handed on in chunks, so memory does not grow with
//! the rows and there is no row cap.

use super::rows::{EntryPages, Lookup, People};
use super::CsvOptions;
use crate::db::entities::{time_entries, workspaces};
use crate::entries::service::live;
use crate::error::Error;
use crate::periods::{clock, decimal_hours};
use crate::tenant::Scope;
use crate::time_filter::service::{select, Selection};
use crate::time_filter::TimeFilter;
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use std::borrow::Cow;
use std::collections::HashMap;
use tokio::sync::mpsc::Sender;
use uuid::Uuid;

/// Bytes gathered before a chunk is handed on.
const CHUNK: usize = 256 << 10;

/// The columns, in order.
pub const HEADER: [&str; 18] = [
    "Date",
    "Start",
    "End",
    "Start (ISO)",
    "End (ISO)",
    "Duration (h:mm:ss)",
    "Duration (decimal hours)",
    "Description",
    "Project",
    "Client",
    "Tags",
    "Billable",
    "Rate",
    "Amount",
    "Currency",
    "Person",
    "Email",
    "Invoice",
];

/// What an export wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvDone {
    pub rows: u64,
    /// Running entries in the range, left out.
    pub running: u64,
}

/// A text cell a spreadsheet would run as a formula, made plain text with
/// a leading `'`. Only the first character counts (so "Review DDE link"
/// stays as it is); the full-width forms are included because some
/// spreadsheets read them as the ASCII ones.
pub fn escape_formula(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠') => {
            Cow::Owned(format!("'{s}"))
        }
        _ => Cow::Borrowed(s),
    }
}

/// Cents as `1234.50`: a number every spreadsheet reads (no grouping).
fn plain_money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// `timether-<workspace>-2026-11-01-to-2026-11-30.csv`, after checking the
/// filter (so a bad one is refused before a download starts).
pub async fn file_name(
    db: &DatabaseConnection,
    scope: &Scope,
    tz: Tz,
    f: &TimeFilter,
    now: DateTime<Utc>,
    ext: &str,
) -> Result<String, Error> {
    let sel = select(scope, tz, f, now)?;
    let ws = workspaces::Entity::find_by_id(scope.workspace_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("The workspace"))?;
    let slug = crate::backup::slug(&ws.name);
    Ok(if sel.from == sel.to {
        format!("timether-{slug}-{}.{ext}", sel.from)
    } else {
        format!("timether-{slug}-{}-to-{}.{ext}", sel.from, sel.to)
    })
}

/// Writes the CSV of the entries `f` selects to `tx`, in chunks. A
/// reader that goes away ends it.
pub async fn write(
    db: &DatabaseConnection,
    scope: &Scope,
    tz: Tz,
    f: &TimeFilter,
    opts: CsvOptions,
    now: DateTime<Utc>,
    tx: Sender<Vec<u8>>,
) -> Result<CsvDone, Error> {
    let sel = select(scope, tz, f, now)?;
    let txn = crate::db::begin_snapshot(db).await?;
    let done = write_rows(&txn, scope, &sel, opts, tx).await?;
    txn.commit().await?;
    Ok(done)
}

async fn write_rows(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    sel: &Selection,
    opts: CsvOptions,
    tx: Sender<Vec<u8>>,
) -> Result<CsvDone, Error> {
    let look = Lookup::load(txn, scope).await?;
    let mut people = People::default();
    let running = sel
        .narrow(live(scope))
        .filter(time_entries::Column::EndedAt.is_null())
        .count(txn)
        .await?;
    let mut buf = if opts.bom {
        "\u{feff}".as_bytes().to_vec()
    } else {
        Vec::new()
    };
    let mut builder = csv::WriterBuilder::new();
    builder.delimiter(opts.separator.byte());
    let failed = |e: csv::Error| Error::Internal(format!("writing a CSV export: {e}"));
    let finished = |w: csv::Writer<Vec<u8>>| {
        w.into_inner()
            .map_err(|e| Error::Internal(format!("writing a CSV export: {}", e.error())))
    };
    let mut out = builder.from_writer(std::mem::take(&mut buf));
    out.write_record(HEADER).map_err(failed)?;
    buf = finished(out)?;
    let cell = |s: &str| -> String {
        if opts.escape_formulas {
            escape_formula(s).into_owned()
        } else {
            s.to_string()
        }
    };

    let mut pager = EntryPages::new(sel, true);
    let mut rows = 0u64;
    while let Some((page, links)) = pager.next(txn, scope).await? {
        let mut entry_tags: HashMap<Uuid, Vec<&str>> = HashMap::new();
        for (entry, tags) in &links {
            let names = entry_tags.entry(*entry).or_default();
            names.extend(
                tags.iter()
                    .filter_map(|t| look.tags.get(t))
                    .map(String::as_str),
            );
        }
        for v in entry_tags.values_mut() {
            v.sort_unstable_by_key(|n| n.to_lowercase());
        }
        // A writer a page: it writes into the chunk being gathered.
        let mut out = builder.from_writer(std::mem::take(&mut buf));
        for e in &page {
            let Some(end) = e.ended_at else { continue };
            let secs = (end - e.started_at).num_seconds().max(0);
            let project = e.project_id.and_then(|p| look.projects.get(&p));
            let client = project
                .and_then(|p| p.client_id)
                .and_then(|c| look.clients.get(&c))
                .map(String::as_str)
                .unwrap_or("");
            let rate = project
                .and_then(|p| p.hourly_rate_cents)
                .or(look.default_rate_cents);
            let amount = match (e.billable, rate) {
                (true, Some(r)) => crate::reports::amount(secs, r),
                _ => 0,
            };
            let tags = entry_tags
                .get(&e.id)
                .map(|t| t.join(", "))
                .unwrap_or_default();
            let invoice = e
                .invoice_id
                .and_then(|i| look.invoices.get(&i))
                .cloned()
                .unwrap_or_default();
            let project_name = project.map(|p| p.name.as_str()).unwrap_or("");
            let person = people.get(txn, e.user_id).await?;
            let (s, t) = (
                e.started_at.with_timezone(&person.tz),
                end.with_timezone(&person.tz),
            );
            out.write_record([
                s.format("%Y-%m-%d").to_string(),
                s.format("%H:%M:%S").to_string(),
                t.format("%H:%M:%S").to_string(),
                s.to_rfc3339_opts(SecondsFormat::Secs, false),
                t.to_rfc3339_opts(SecondsFormat::Secs, false),
                clock(secs),
                decimal_hours(secs),
                cell(&e.description),
                cell(project_name),
                cell(client),
                cell(&tags),
                if e.billable { "Yes" } else { "No" }.to_string(),
                rate.map(plain_money).unwrap_or_default(),
                plain_money(amount),
                look.currency.clone(),
                cell(&person.name),
                cell(&person.email),
                invoice,
            ])
            .map_err(failed)?;
            rows += 1;
        }
        buf = finished(out)?;
        if buf.len() >= CHUNK {
            send(&tx, std::mem::take(&mut buf)).await?;
        }
    }
    send(&tx, buf).await?;
    Ok(CsvDone { rows, running })
}

async fn send(tx: &Sender<Vec<u8>>, chunk: Vec<u8>) -> Result<(), Error> {
    if chunk.is_empty() {
        return Ok(());
    }
    tx.send(chunk)
        .await
        .map_err(|_| Error::Internal("the CSV export's reader went away".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_made_text() {
        for s in [
            "=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\nx", "＝1", "＋1", "－1", "＠x",
        ] {
            assert_eq!(escape_formula(s), format!("'{s}"), "{s:?}");
        }
        // Only the first character counts: Kimai escaped any text with "DDE" in it.
        for s in ["Review DDE link", "a=b", "", "1-2", "'quoted"] {
            assert_eq!(escape_formula(s), s, "{s:?}");
        }
    }

    #[test]
    fn money_has_no_grouping() {
        assert_eq!(plain_money(123456789), "1234567.89");
        assert_eq!(plain_money(5), "0.05");
        assert_eq!(plain_money(-150), "-1.50");
    }
}
