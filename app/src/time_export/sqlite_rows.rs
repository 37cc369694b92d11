//! Export CSV's read path on a SQLite file. Through sqlx every row costs
//! several thread hand-offs and a full model (about 40,000 rows a second
//! on two cores, BENCHMARKS.md); here one statement runs on a read-only
//! connection of the export's own, on a blocking thread, and each row is
//! formatted straight from SQLite's buffers. The statements are still
//! built by sea-orm from the shared [`Selection`], so both paths select
//! the same rows; `time_export` tests run against both databases.
//!
//! Everything is read inside one read transaction: the names, the running
//! count and the rows come from one snapshot of the database, as the
//! sea-orm path's `begin_snapshot` gives.

use super::csv_file::{gone, CsvDone, CsvRows, Row};
use super::rows::{Lookup, Person, ProjectInfo};
use super::CsvOptions;
use crate::db::direct::{col, err, for_each, join_entry_tags, missing, open_reader, prepare};
use crate::db::entities::{
    clients, invoices, projects, tags, time_entries, time_entry_tags, users, workspaces,
};
use crate::entries::service::live;
use crate::error::Error;
use crate::tenant::Scope;
use crate::time_filter::service::Selection;
use rusqlite::Connection;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::mpsc::Sender;
use uuid::Uuid;

/// Writes the CSV of the finished entries `sel` selects to `tx` (blocking:
/// run it on a blocking thread).
pub(super) fn write_csv(
    path: &Path,
    scope: &Scope,
    sel: &Selection,
    opts: CsvOptions,
    tx: &Sender<Vec<u8>>,
) -> Result<CsvDone, Error> {
    let conn = open_reader(path)?;
    conn.execute_batch("BEGIN").map_err(err)?;
    let done = write_in(&conn, scope, sel, opts, tx);
    // A read transaction has nothing to keep: ending it cannot lose work.
    let _ = conn.execute_batch("COMMIT");
    done
}

/// Entries handed from the reading thread to the writing one at a time.
const BATCH: usize = 1_024;

/// Reads on this thread and formats on a second one: on two cores each
/// half takes about as long as the other (SQLite's steps against the
/// cells' formatting), so the export runs nearly twice as fast. Batches go
/// back and forth, and their strings are reused.
fn write_in(
    conn: &Connection,
    scope: &Scope,
    sel: &Selection,
    opts: CsvOptions,
    tx: &Sender<Vec<u8>>,
) -> Result<CsvDone, Error> {
    let look = lookup(conn, scope)?;
    let running = running(conn, scope, sel)?;
    let out = CsvRows::new(look, opts)?;
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Vec<Pending>>(4);
    let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<Pending>>();
    std::thread::scope(|s| {
        let writer = s.spawn(move || format_batches(out, full_rx, free_tx, tx));
        let read = read_batches(conn, scope, sel, full_tx, free_rx);
        // The writer ends once the reader's sender is gone (dropped above).
        let written = writer
            .join()
            .map_err(|_| Error::Internal("the CSV export's writer stopped".into()))?;
        // A writer that failed (its reader went away) stopped the reading.
        let rows = written?;
        read?;
        Ok(CsvDone { rows, running })
    })
}

fn format_batches(
    mut out: CsvRows,
    full: std::sync::mpsc::Receiver<Vec<Pending>>,
    free: std::sync::mpsc::Sender<Vec<Pending>>,
    tx: &Sender<Vec<u8>>,
) -> Result<u64, Error> {
    for batch in full {
        for p in &batch {
            let (Some(started_at), Some(ended_at)) = (p.started, p.ended) else {
                continue;
            };
            let row = Row {
                started_at,
                ended_at,
                description: &p.description,
                project_id: p.project_id,
                billable: p.billable,
                invoice_id: p.invoice_id,
            };
            out.row(&row, &p.tags, &p.person)?;
            if let Some(chunk) = out.full_chunk()? {
                tx.blocking_send(chunk).map_err(|_| gone())?;
            }
        }
        // Back to the reader, whose next entries reuse these strings (it
        // may be done and gone: the batch is then just dropped).
        let _ = free.send(batch);
    }
    let (chunk, rows) = out.finish()?;
    if !chunk.is_empty() {
        tx.blocking_send(chunk).map_err(|_| gone())?;
    }
    Ok(rows)
}

fn read_batches(
    conn: &Connection,
    scope: &Scope,
    sel: &Selection,
    full: std::sync::mpsc::SyncSender<Vec<Pending>>,
    free: std::sync::mpsc::Receiver<Vec<Pending>>,
) -> Result<(), Error> {
    let mut people: HashMap<Uuid, Arc<Person>> = HashMap::new();
    let mut q = sel
        .narrow(live(scope))
        .filter(time_entries::Column::EndedAt.is_not_null())
        .select_only()
        .columns([
            time_entries::Column::UserId,
            time_entries::Column::Description,
            time_entries::Column::ProjectId,
            time_entries::Column::Billable,
            time_entries::Column::StartedAt,
            time_entries::Column::EndedAt,
            time_entries::Column::InvoiceId,
        ])
        .column_as(Expr::cust("\"time_entries\".\"rowid\""), "n")
        .column_as(
            Expr::col((time_entry_tags::Entity, time_entry_tags::Column::TagId)),
            "tag_id",
        )
        // The start index's own order (rowid last): no sort step.
        .order_by_asc(time_entries::Column::StartedAt)
        .order_by_asc(Expr::cust("\"time_entries\".\"rowid\""));
    join_entry_tags(QueryTrait::query(&mut q));
    let stmt = q.build(DbBackend::Sqlite);
    let mut prepared = prepare(conn, &stmt)?;
    let mut rows = prepared.raw_query();
    let stopped = || Error::Internal("the CSV export's writer stopped".into());
    // Spare entries (their strings kept) from batches the writer sent back.
    let mut spare: Vec<Pending> = Vec::new();
    let mut batch: Vec<Pending> = Vec::with_capacity(BATCH);
    let mut last: Option<i64> = None;
    while let Some(r) = rows.next().map_err(err)? {
        let n = col::i64_of(col::at(r, 7)?, "rowid")?.unwrap_or(0);
        let tag = col::uuid_of(col::at(r, 8)?, "tag_id")?;
        if last == Some(n) {
            if let Some(p) = batch.last_mut() {
                p.tags.extend(tag);
            }
            continue;
        }
        last = Some(n);
        if batch.len() == BATCH {
            full.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                .map_err(|_| stopped())?;
        }
        let user_id = col::uuid_of(col::at(r, 0)?, "user_id")?.ok_or_else(|| missing("user_id"))?;
        let person = match people.get(&user_id) {
            Some(p) => p.clone(),
            None => {
                let p = Arc::new(person(conn, user_id)?);
                people.insert(user_id, p.clone());
                p
            }
        };
        if spare.is_empty() {
            if let Ok(returned) = free.try_recv() {
                spare = returned;
            }
        }
        let mut p = spare.pop().unwrap_or_else(|| Pending {
            description: String::new(),
            tags: Vec::new(),
            person: person.clone(),
            project_id: None,
            billable: false,
            started: None,
            ended: None,
            invoice_id: None,
        });
        p.person = person;
        p.description.clear();
        p.description
            .push_str(col::str_of(col::at(r, 1)?, "description")?.unwrap_or(""));
        p.project_id = col::uuid_of(col::at(r, 2)?, "project_id")?;
        p.billable = col::i64_of(col::at(r, 3)?, "billable")?.unwrap_or(0) != 0;
        p.started = col::time_of(col::at(r, 4)?, "started_at")?;
        p.ended = col::time_of(col::at(r, 5)?, "ended_at")?;
        p.invoice_id = col::uuid_of(col::at(r, 6)?, "invoice_id")?;
        p.tags.clear();
        p.tags.extend(tag);
        batch.push(p);
    }
    if !batch.is_empty() {
        full.send(batch).map_err(|_| stopped())?;
    }
    Ok(())
}

/// An entry read from its first row, its tags gathered from the rest.
struct Pending {
    person: Arc<Person>,
    description: String,
    project_id: Option<Uuid>,
    billable: bool,
    started: Option<chrono::DateTime<chrono::Utc>>,
    ended: Option<chrono::DateTime<chrono::Utc>>,
    invoice_id: Option<Uuid>,
    tags: Vec<Uuid>,
}

/// Entries in the range still running: the page says how many were left out.
fn running(conn: &Connection, scope: &Scope, sel: &Selection) -> Result<u64, Error> {
    let stmt = sel
        .narrow(live(scope))
        .filter(time_entries::Column::EndedAt.is_null())
        .select_only()
        .expr_as(Expr::cust("count(*)"), "n")
        .build(DbBackend::Sqlite);
    let mut n = 0;
    for_each(conn, &stmt, |r| {
        n = col::opt_i64(r, "n")?.unwrap_or(0);
        Ok(())
    })?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The names the rows point at, as [`Lookup::load`] reads them.
fn lookup(conn: &Connection, scope: &Scope) -> Result<Lookup, Error> {
    let mut ws = None;
    let stmt = workspaces::Entity::find_by_id(scope.workspace_id)
        .select_only()
        .columns([
            workspaces::Column::Currency,
            workspaces::Column::DefaultRateCents,
        ])
        .build(DbBackend::Sqlite);
    for_each(conn, &stmt, |r| {
        ws = Some((
            col::text(r, "currency")?,
            col::opt_i64(r, "default_rate_cents")?,
        ));
        Ok(())
    })?;
    let (currency, default_rate_cents) = ws.ok_or_else(|| Error::not_found("The workspace"))?;

    let mut project_rows = HashMap::new();
    let stmt = scope
        .find::<projects::Entity>()
        .select_only()
        .columns([
            projects::Column::Id,
            projects::Column::Name,
            projects::Column::ClientId,
            projects::Column::HourlyRateCents,
        ])
        .build(DbBackend::Sqlite);
    for_each(conn, &stmt, |r| {
        let info = ProjectInfo {
            name: col::text(r, "name")?,
            client_id: col::opt_uuid(r, "client_id")?,
            hourly_rate_cents: col::opt_i64(r, "hourly_rate_cents")?,
        };
        project_rows.insert(col::uuid(r, "id")?, info);
        Ok(())
    })?;

    let names = |stmt: sea_orm::Statement| -> Result<HashMap<Uuid, String>, DbErr> {
        let mut out = HashMap::new();
        for_each(conn, &stmt, |r| {
            out.insert(col::uuid(r, "id")?, col::text(r, "name")?);
            Ok(())
        })?;
        Ok(out)
    };
    let client_names = names(
        scope
            .find::<clients::Entity>()
            .select_only()
            .columns([clients::Column::Id, clients::Column::Name])
            .build(DbBackend::Sqlite),
    )?;
    let tag_names = names(
        scope
            .find::<tags::Entity>()
            .select_only()
            .columns([tags::Column::Id, tags::Column::Name])
            .build(DbBackend::Sqlite),
    )?;
    let mut invoice_numbers = HashMap::new();
    let stmt = scope
        .find::<invoices::Entity>()
        .select_only()
        .columns([invoices::Column::Id, invoices::Column::Number])
        .build(DbBackend::Sqlite);
    for_each(conn, &stmt, |r| {
        let n = col::opt_i64(r, "number")?.unwrap_or(0);
        invoice_numbers.insert(col::uuid(r, "id")?, crate::invoices::number_text(n));
        Ok(())
    })?;
    Ok(Lookup {
        projects: project_rows,
        clients: client_names,
        tags: tag_names,
        invoices: invoice_numbers,
        currency,
        default_rate_cents,
    })
}

/// The person who tracked an entry, read when first met.
fn person(conn: &Connection, id: Uuid) -> Result<Person, Error> {
    let stmt = users::Entity::find_by_id(id)
        .select_only()
        .columns([
            users::Column::Name,
            users::Column::Email,
            users::Column::Timezone,
        ])
        .build(DbBackend::Sqlite);
    let mut found = None;
    for_each(conn, &stmt, |r| {
        found = Some((
            col::text(r, "name")?,
            col::text(r, "email")?,
            col::text(r, "timezone")?,
        ));
        Ok(())
    })?;
    Ok(Person::of(found))
}
