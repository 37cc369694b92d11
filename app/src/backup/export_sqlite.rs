//! Export JSON's time entries on a SQLite file. Through sqlx every row cost
//! several thread hand-offs and a full model, a page of 5,000 at a time
//! with a second statement for their tags: about 70,000 entries a second
//! (BENCHMARKS.md). Here one statement (entries joined with their tags, in
//! id order) runs on a read-only connection of the export's own, on a
//! blocking thread, and a second thread turns the rows into JSON while the
//! first reads, as Export CSV does (`time_export::sqlite_rows`).
//!
//! The rest of the document is read through sea-orm in the export's
//! snapshot; this connection has a snapshot of its own. Every write to a
//! workspace's versioned rows (entries, their tags, projects, clients,
//! tags, invoices) moves its data version, so the two snapshots hold the
//! same rows when they see the same version. When they do not, the caller
//! writes the entries through sea-orm instead.

use super::export::Out;
use super::format;
use crate::db::direct::{col, err, join_entry_tags, missing, open_reader, prepare};
use crate::db::entities::{time_entries, time_entry_tags, users, workspaces};
use crate::error::Error;
use crate::tenant::Scope;
use rusqlite::Connection;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use std::collections::HashMap;
use std::path::Path;
use uuid::Uuid;

/// Entries handed from the reading thread to the writing one at a time.
const BATCH: usize = 1_024;

/// How the direct read went.
pub(super) enum Entries {
    /// This many entries were written to the document.
    Written(u64),
    /// The database moved on since the document's snapshot: nothing was
    /// written, read the entries through the snapshot instead.
    Moved,
}

/// Writes the workspace's live entries (each after `,\n`, the first after
/// `\n`) to `out`, if the database is still at `version`. Blocking: run it
/// on a blocking thread. `people` are the emails known so far by id.
pub(super) fn write_entries(
    path: &Path,
    scope: &Scope,
    version: i64,
    people: &mut HashMap<Uuid, String>,
    out: &mut Out,
) -> Result<Entries, Error> {
    let conn = open_reader(path)?;
    conn.execute_batch("BEGIN").map_err(err)?;
    let done = (|| {
        if data_version(&conn, scope)? != Some(version) {
            return Ok(Entries::Moved);
        }
        let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Vec<format::TimeEntry>>(4);
        std::thread::scope(|s| {
            let writer = s.spawn(|| write(full_rx, out));
            let read = read(&conn, scope, people, full_tx);
            // The writer ends once the reader's sender is gone (dropped above).
            let written = writer
                .join()
                .map_err(|_| Error::Internal("the backup's writer stopped".into()))?;
            // A writer that failed (its reader went away) stopped the reading.
            let written = written?;
            read?;
            Ok(Entries::Written(written))
        })
    })();
    // A read transaction has nothing to keep: ending it cannot lose work.
    let _ = conn.execute_batch("COMMIT");
    done
}

fn data_version(conn: &Connection, scope: &Scope) -> Result<Option<i64>, Error> {
    let stmt = workspaces::Entity::find_by_id(scope.workspace_id)
        .select_only()
        .column(workspaces::Column::DataVersion)
        .build(DbBackend::Sqlite);
    let mut prepared = prepare(conn, &stmt)?;
    let mut rows = prepared.raw_query();
    match rows.next().map_err(err)? {
        Some(r) => Ok(col::i64_of(col::at(r, 0)?, "data_version")?),
        None => Ok(None),
    }
}

fn write(
    full: std::sync::mpsc::Receiver<Vec<format::TimeEntry>>,
    out: &mut Out,
) -> Result<u64, Error> {
    let mut written = 0u64;
    for batch in full {
        for row in &batch {
            out.raw(if written == 0 { "\n" } else { ",\n" })?;
            out.value(row)?;
            written += 1;
        }
        out.flush_if_full_blocking()?;
    }
    Ok(written)
}

fn read(
    conn: &Connection,
    scope: &Scope,
    people: &mut HashMap<Uuid, String>,
    full: std::sync::mpsc::SyncSender<Vec<format::TimeEntry>>,
) -> Result<(), Error> {
    let mut q = scope
        .find::<time_entries::Entity>()
        .filter(time_entries::Column::DeletedAt.is_null())
        .select_only()
        .columns([
            time_entries::Column::Id,
            time_entries::Column::UserId,
            time_entries::Column::Description,
            time_entries::Column::ProjectId,
            time_entries::Column::Billable,
            time_entries::Column::StartedAt,
            time_entries::Column::EndedAt,
            time_entries::Column::InvoiceId,
            time_entries::Column::CreatedAt,
            time_entries::Column::UpdatedAt,
        ])
        .column_as(
            Expr::col((time_entry_tags::Entity, time_entry_tags::Column::TagId)),
            "tag_id",
        )
        // The (workspace, id) index's own order: no sort step.
        .order_by_asc(time_entries::Column::Id);
    join_entry_tags(QueryTrait::query(&mut q));
    let stmt = q.build(DbBackend::Sqlite);
    let mut prepared = prepare(conn, &stmt)?;
    let mut rows = prepared.raw_query();
    let stopped = || Error::Internal("the backup's writer stopped".into());
    let mut batch: Vec<format::TimeEntry> = Vec::with_capacity(BATCH);
    let mut last: Option<Uuid> = None;
    while let Some(r) = rows.next().map_err(err)? {
        let id = col::uuid_of(col::at(r, 0)?, "id")?.ok_or_else(|| missing("id"))?;
        let tag = col::uuid_of(col::at(r, 10)?, "tag_id")?;
        if last == Some(id) {
            if let Some(e) = batch.last_mut() {
                e.tag_ids.extend(tag);
            }
            continue;
        }
        last = Some(id);
        if batch.len() == BATCH {
            let mut sent = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            for e in &mut sent {
                e.tag_ids.sort();
            }
            full.send(sent).map_err(|_| stopped())?;
        }
        let user_id = col::uuid_of(col::at(r, 1)?, "user_id")?.ok_or_else(|| missing("user_id"))?;
        let person = match people.get(&user_id) {
            Some(e) => e.clone(),
            None => {
                let e = email(conn, user_id)?;
                people.insert(user_id, e.clone());
                e
            }
        };
        batch.push(format::TimeEntry {
            id,
            person,
            description: col::str_of(col::at(r, 2)?, "description")?
                .unwrap_or("")
                .to_string(),
            project_id: col::uuid_of(col::at(r, 3)?, "project_id")?,
            tag_ids: tag.into_iter().collect(),
            billable: col::i64_of(col::at(r, 4)?, "billable")?.unwrap_or(0) != 0,
            started_at: col::time_of(col::at(r, 5)?, "started_at")?
                .ok_or_else(|| missing("started_at"))?,
            ended_at: col::time_of(col::at(r, 6)?, "ended_at")?,
            invoice_id: col::uuid_of(col::at(r, 7)?, "invoice_id")?,
            created_at: col::time_of(col::at(r, 8)?, "created_at")?
                .ok_or_else(|| missing("created_at"))?,
            updated_at: col::time_of(col::at(r, 9)?, "updated_at")?
                .ok_or_else(|| missing("updated_at"))?,
        });
    }
    if !batch.is_empty() {
        for e in &mut batch {
            e.tag_ids.sort();
        }
        full.send(batch).map_err(|_| stopped())?;
    }
    Ok(())
}

/// The email of someone who tracked time here but is no member now.
fn email(conn: &Connection, id: Uuid) -> Result<String, Error> {
    let stmt = users::Entity::find_by_id(id)
        .select_only()
        .column(users::Column::Email)
        .build(DbBackend::Sqlite);
    let mut prepared = prepare(conn, &stmt)?;
    let mut rows = prepared.raw_query();
    match rows.next().map_err(err)? {
        Some(r) => Ok(col::str_of(col::at(r, 0)?, "email")?
            .unwrap_or_default()
            .to_string()),
        // As the sea-orm path says: a broken database, not an empty email.
        None => Err(Error::Internal(format!(
            "backup: person {id} has rows here but no account"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guard that keeps the two snapshots together: a database whose
    /// data version moved since the document's snapshot gives no entries
    /// (the caller reads them through the snapshot), and writes nothing.
    #[test]
    fn a_moved_data_version_writes_nothing_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let ws = Uuid::now_v7();
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE workspaces (id BLOB PRIMARY KEY, data_version INTEGER)")
            .unwrap();
        conn.execute(
            "INSERT INTO workspaces (id, data_version) VALUES (?1, 8)",
            [ws.as_bytes().to_vec()],
        )
        .unwrap();
        let scope = Scope::from_stored(ws, Uuid::now_v7(), "owner", "business", "active", 8);
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let mut out = Out::plain(tx);
        let mut people = HashMap::new();
        let moved = write_entries(&path, &scope, 7, &mut people, &mut out).unwrap();
        assert!(matches!(moved, Entries::Moved));
        assert_eq!(out.len(), 0);
        drop(out);
        assert!(rx.try_recv().is_err());
    }
}
