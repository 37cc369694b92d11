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
    let second = open_reader(path)?;
    let readers = match same_snapshot(path, &conn, &second) {
        Ok(()) => vec![conn, second],
        // Without the brief write lock (a long write holds it, or the file
        // is read-only to us) one connection reads everything.
        Err(e) => {
            tracing::debug!(error = %e, "CSV export reads on one connection");
            drop(second);
            conn.execute_batch("BEGIN").map_err(err)?;
            vec![conn]
        }
    };
    // The connections close with their read transactions when done: those
    // have nothing to keep.
    write_in(readers, scope, sel, opts, tx)
}

/// Opens a read transaction on each of `a` and `b` on the same snapshot of
/// the database. In WAL mode a reader's snapshot is fixed by its first
/// read; a write lock held meanwhile on a third connection means no commit
/// can fall between the two. Writers wait at most that long (a few
/// milliseconds); if another write holds the lock, this gives up quickly.
fn same_snapshot(path: &Path, a: &Connection, b: &Connection) -> Result<(), DbErr> {
    let lock = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    lock.busy_timeout(std::time::Duration::from_millis(200))
        .map_err(err)?;
    lock.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    let started = [a, b].into_iter().try_for_each(|c| {
        c.execute_batch("BEGIN")?;
        c.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
    });
    let _ = lock.execute_batch("ROLLBACK");
    started.map_err(err)
}

/// Entries handed from a reading thread to the writing one at a time.
const BATCH: usize = 1_024;

/// Time slices of the range: the readers take turns, the writer takes the
/// slices in order. Many slices keep the two readers' shares even when the
/// entries are not spread evenly over the range.
const SLICES: i32 = 256;

/// Batches a reader may have ready before the writer takes them: while the
/// writer takes one reader's slice, the other reads its next ones (at most
/// this many batches ahead, which bounds the memory).
const AHEAD: usize = 8;

/// What a reader hands the writer: entries, or the end of a slice.
enum Part {
    Rows(Vec<Pending>),
    SliceDone,
}

/// Reads on one or two connections (a thread each) and formats on the
/// calling thread. On two cores SQLite's steps (the start index, each
/// row's table lookup and its tags' join) took twice as long as the
/// cells' formatting, so two readers, each on its own slices of the
/// range, keep both cores busy. Batches go back and forth, and their
/// strings are reused.
fn write_in(
    readers: Vec<Connection>,
    scope: &Scope,
    sel: &Selection,
    opts: CsvOptions,
    tx: &Sender<Vec<u8>>,
) -> Result<CsvDone, Error> {
    let first = readers
        .first()
        .ok_or_else(|| Error::Internal("the CSV export has no reader".into()))?;
    let look = lookup(first, scope)?;
    let running = running(first, scope, sel)?;
    let count = readers.len();
    let out = CsvRows::new(look, opts)?;
    let slices = slices(sel);
    std::thread::scope(|s| {
        let mut full_rxs = Vec::new();
        let mut free_txs = Vec::new();
        let mut readers_done = Vec::new();
        for (i, conn) in readers.into_iter().enumerate() {
            let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Part>(AHEAD);
            let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<Pending>>();
            full_rxs.push(full_rx);
            free_txs.push(free_tx);
            // Reader i takes slices i, i + count, i + 2 × count …
            let mine = slices.iter().skip(i).step_by(count);
            readers_done.push(s.spawn(move || read_slices(&conn, scope, mine, full_tx, free_rx)));
        }
        // The writer on this thread. It ends once every slice has come, or
        // when a reader's sender is gone (dropped as it returned).
        let written = format_batches(out, slices.len(), full_rxs, free_txs, tx);
        let mut reads = Vec::new();
        for h in readers_done {
            reads.push(
                h.join()
                    .map_err(|_| Error::Internal("the CSV export's reader stopped".into()))?,
            );
        }
        // A writer that failed (its output went away) stopped the readers;
        // a reader that failed stopped the writer, and says why.
        let rows = written?;
        for r in reads {
            r?;
        }
        let rows = rows.ok_or_else(|| Error::Internal("a CSV export reader stopped".into()))?;
        Ok(CsvDone { rows, running })
    })
}

/// `sel`'s range cut into [`SLICES`] consecutive slices of equal length
/// (at least a minute each), each a selection of its own.
fn slices(sel: &Selection) -> Vec<Selection> {
    let span = sel.hi - sel.lo;
    let step = (span / SLICES).max(chrono::Duration::minutes(1));
    let mut out = Vec::new();
    let mut lo = sel.lo;
    while lo < sel.hi {
        let hi = (lo + step).min(sel.hi);
        let mut part = sel.clone();
        (part.lo, part.hi) = (lo, hi);
        out.push(part);
        lo = hi;
    }
    out
}

fn format_batches(
    mut out: CsvRows,
    slices: usize,
    full: Vec<std::sync::mpsc::Receiver<Part>>,
    free: Vec<std::sync::mpsc::Sender<Vec<Pending>>>,
    tx: &Sender<Vec<u8>>,
) -> Result<Option<u64>, Error> {
    for slice in 0..slices {
        let from = slice % full.len();
        loop {
            let batch = match full[from].recv() {
                Ok(Part::Rows(batch)) => batch,
                Ok(Part::SliceDone) => break,
                // Its reader failed; its error is the one to report.
                Err(_) => return Ok(None),
            };
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
            // Back to its reader, whose next entries reuse these strings (it
            // may be done and gone: the batch is then just dropped).
            let _ = free[from].send(batch);
        }
    }
    let (chunk, rows) = out.finish()?;
    if !chunk.is_empty() {
        tx.blocking_send(chunk).map_err(|_| gone())?;
    }
    Ok(Some(rows))
}

/// Reads `slices` in order on `conn`, each ended by [`Part::SliceDone`].
/// A writer gone (failed, or stopped by another reader's failure) ends the
/// reading quietly: the writer's result says why.
fn read_slices<'a>(
    conn: &Connection,
    scope: &Scope,
    slices: impl Iterator<Item = &'a Selection>,
    full: std::sync::mpsc::SyncSender<Part>,
    free: std::sync::mpsc::Receiver<Vec<Pending>>,
) -> Result<(), Error> {
    let mut people: HashMap<Uuid, Arc<Person>> = HashMap::new();
    let mut spare: Vec<Pending> = Vec::new();
    for sel in slices {
        let sent = read_batches(conn, scope, sel, &full, &free, &mut people, &mut spare)?;
        if !sent || full.send(Part::SliceDone).is_err() {
            break;
        }
    }
    Ok(())
}

fn read_batches(
    conn: &Connection,
    scope: &Scope,
    sel: &Selection,
    full: &std::sync::mpsc::SyncSender<Part>,
    free: &std::sync::mpsc::Receiver<Vec<Pending>>,
    people: &mut HashMap<Uuid, Arc<Person>>,
    // Spare entries (their strings kept) from batches the writer sent back.
    spare: &mut Vec<Pending>,
) -> Result<bool, Error> {
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
            let done = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if full.send(Part::Rows(done)).is_err() {
                return Ok(false);
            }
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
                *spare = returned;
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
    Ok(batch.is_empty() || full.send(Part::Rows(batch)).is_ok())
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
    let mut stmt = sel
        .narrow(live(scope))
        .filter(time_entries::Column::EndedAt.is_null())
        .select_only()
        .expr_as(Expr::cust("count(*)"), "n")
        .build(DbBackend::Sqlite);
    // Through the partial index of running entries. Without statistics
    // SQLite prefers the start index for the range and reads every row in
    // it to find the few running ones: half a second for a million.
    let from = r#"FROM "time_entries""#;
    debug_assert!(stmt.sql.contains(from), "{}", stmt.sql);
    stmt.sql = stmt.sql.replacen(
        from,
        r#"FROM "time_entries" INDEXED BY "idx_time_entries_running""#,
        1,
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode=WAL; CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1);",
        )
        .unwrap();
        (dir, path)
    }

    fn count(c: &Connection) -> i64 {
        c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn both_readers_see_one_snapshot_whatever_commits_after() {
        let (_dir, path) = file();
        let (a, b) = (open_reader(&path).unwrap(), open_reader(&path).unwrap());
        same_snapshot(&path, &a, &b).unwrap();
        let w = Connection::open(&path).unwrap();
        w.execute("INSERT INTO t VALUES (2)", []).unwrap();
        assert_eq!((count(&a), count(&b)), (1, 1));
        let late = open_reader(&path).unwrap();
        assert_eq!(count(&late), 2);
    }

    #[test]
    fn a_write_in_progress_leaves_one_reader_rather_than_a_wait() {
        let (_dir, path) = file();
        let w = Connection::open(&path).unwrap();
        w.execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (2);")
            .unwrap();
        let (a, b) = (open_reader(&path).unwrap(), open_reader(&path).unwrap());
        let started = std::time::Instant::now();
        assert!(same_snapshot(&path, &a, &b).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
