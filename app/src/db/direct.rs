//! SQLite's direct read path, for the one statement every request runs.
//!
//! sqlx runs each SQLite connection on a worker thread of its own and talks
//! to it through channels, so every statement costs several thread
//! hand-offs. Under load those hand-offs, not SQLite, were most of a
//! request's cost (BENCHMARKS.md: about half of all samples in task
//! switching, 1 % in SQLite's statement execution). The session check that
//! every request makes (security.md S1) therefore reads through
//! [`SqliteReads`]: a few read-only connections of the same file, on which
//! the statement runs in place, on the request's own thread. A point read
//! in WAL mode takes microseconds and never waits for a writer, so it costs
//! less than a hand-off would.
//!
//! The statement is still built by sea-orm (one definition of the query);
//! only its execution moves. PostgreSQL and in-memory SQLite keep the
//! sea-orm path, and everything that writes stays there, with one
//! exception: a bulk load (`timether dev seed`) writes through
//! [`SqliteBulk`], its own connection with prepared statements bound in
//! place.

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};
use sea_orm::{DbErr, Statement, Value};
use std::sync::Mutex;
use std::time::Duration;
use uuid::Uuid;

/// Read-only connections to a SQLite file, handed out one at a time.
pub struct SqliteReads {
    path: String,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReads")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Connections kept for reuse; more are opened when requests overlap and
/// closed again when the pool is full.
const KEEP: usize = 8;

impl SqliteReads {
    /// The direct reader for a database URL: `None` for PostgreSQL and for
    /// in-memory SQLite (whose data a second connection would not see).
    pub fn for_url(url: &str) -> Option<Self> {
        super::sqlite_file(url).map(|path| SqliteReads {
            path,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn open(&self) -> Result<Connection, DbErr> {
        open_reader(std::path::Path::new(&self.path))
    }

    /// Runs `stmt` (built by sea-orm for SQLite) and decodes its first row
    /// with `decode`; `None` when there is no row.
    pub fn query_one<T>(
        &self,
        stmt: &Statement,
        decode: impl FnOnce(&Cols<'_, '_>) -> Result<T, DbErr>,
    ) -> Result<Option<T>, DbErr> {
        let taken = self.idle.lock().map_err(|_| poisoned())?.pop();
        let conn = match taken {
            Some(c) => c,
            None => self.open()?,
        };
        let out = run(&conn, stmt, decode);
        let mut idle = self.idle.lock().map_err(|_| poisoned())?;
        if idle.len() < KEEP {
            idle.push(conn);
        }
        out
    }
}

/// The file behind a SQLite pool, `None` for PostgreSQL and in-memory
/// SQLite: long reads (Export CSV) then open a direct reader of their own.
pub fn sqlite_file_of(db: &sea_orm::DatabaseConnection) -> Option<std::path::PathBuf> {
    if !matches!(
        db.inner,
        sea_orm::DatabaseConnectionType::SqlxSqlitePoolConnection(_)
    ) {
        return None;
    }
    let path = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    path.is_file().then_some(path)
}

/// A read-only connection of its own to the SQLite file at `path`, for a
/// long read that should not hold one of the shared ones.
pub fn open_reader(path: &std::path::Path) -> Result<Connection, DbErr> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    // A reader waits only while a checkpoint resets the WAL, which is brief.
    conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
    Ok(conn)
}

/// `stmt` (built by sea-orm for SQLite) prepared on `conn` with its values
/// bound, ready to step through with `raw_query`.
pub fn prepare<'c>(
    conn: &'c Connection,
    stmt: &Statement,
) -> Result<rusqlite::CachedStatement<'c>, DbErr> {
    let mut prepared = conn.prepare_cached(&stmt.sql).map_err(err)?;
    let values = stmt.values.as_ref().map(|v| v.0.as_slice()).unwrap_or(&[]);
    for (i, value) in values.iter().enumerate() {
        bind(&mut prepared, i + 1, value)?;
    }
    Ok(prepared)
}

/// Runs `stmt` and hands each row to `each`, read by column name.
pub fn for_each(
    conn: &Connection,
    stmt: &Statement,
    mut each: impl FnMut(&Cols<'_, '_>) -> Result<(), DbErr>,
) -> Result<(), DbErr> {
    let mut prepared = prepare(conn, stmt)?;
    let mut rows = prepared.raw_query();
    let mut names: Option<Vec<String>> = None;
    while let Some(row) = rows.next().map_err(err)? {
        let names = names.get_or_insert_with(|| {
            row.as_ref()
                .column_names()
                .into_iter()
                .map(str::to_string)
                .collect()
        });
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        each(&Cols { row, names: &refs })?;
    }
    Ok(())
}

fn run<T>(
    conn: &Connection,
    stmt: &Statement,
    decode: impl FnOnce(&Cols<'_, '_>) -> Result<T, DbErr>,
) -> Result<Option<T>, DbErr> {
    let mut prepared = prepare(conn, stmt)?;
    let mut rows = prepared.raw_query();
    match rows.next().map_err(err)? {
        Some(row) => {
            let names = row.as_ref().column_names();
            decode(&Cols { row, names: &names }).map(Some)
        }
        None => Ok(None),
    }
}

/// A bulk load's own write connection to a SQLite file (`timether dev
/// seed`). Its rows go in through prepared statements bound in place: no
/// statement text per batch, no copy of every value into sqlx's arguments
/// and no hand-off to sqlx's worker thread, which together cost as much as
/// SQLite's inserts themselves. Like [`BulkLoad`] it drops the tables'
/// secondary indexes and version triggers for the load and recreates them
/// at the end, all in one immediate transaction: other connections read the
/// old data until the commit, and a load that fails or is dropped unfinished
/// is rolled back whole.
///
/// Foreign keys are checked once instead of on every row (in a test with
/// the `sqlite3` shell those lookups were almost half of the inserts' cost,
/// 0.26 s of 100,000 entries with their tags against 0.14 s without):
/// [`begin`](Self::begin) takes the rows the
/// load will refer to outside itself and fails unless they all exist; the
/// write lock it holds keeps them until the commit. References among the
/// load's own rows are the caller's to get right (the seed's integration
/// test runs SQLite's `foreign_key_check` over its output).
///
/// [`BulkLoad`]: super::bulk::BulkLoad
pub struct SqliteBulk {
    conn: Connection,
    dropped: Vec<String>,
}

impl SqliteBulk {
    /// Opens the SQLite file at `path` ([`super::sqlite_file`]), takes its
    /// write lock, checks that every `(table, ids)` of `parents` exists
    /// (by `id`) and drops what the load rebuilds.
    pub fn begin(path: &str, tables: &[&str], parents: &[(&str, &[Uuid])]) -> Result<Self, DbErr> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        // The app's connection settings (`db::connect`), and the bulk cache.
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = OFF; PRAGMA synchronous = NORMAL; {}; BEGIN IMMEDIATE",
            super::bulk::sqlite_bulk::CACHE
        ))
        .map_err(err)?;
        for (table, ids) in parents {
            let mut wanted = ids.to_vec();
            wanted.sort();
            wanted.dedup();
            let marks = vec!["?"; wanted.len()].join(", ");
            let found: i64 = conn
                .query_row(
                    &format!("SELECT count(*) FROM \"{table}\" WHERE id IN ({marks})"),
                    rusqlite::params_from_iter(wanted.iter().map(|u| u.as_bytes())),
                    |r| r.get(0),
                )
                .map_err(err)?;
            let found = usize::try_from(found).unwrap_or(0);
            if found != wanted.len() {
                return Err(DbErr::Custom(format!(
                    "bulk load: {} of the {} rows of {table} it refers to are gone",
                    wanted.len().saturating_sub(found),
                    wanted.len()
                )));
            }
        }
        let objects = {
            let mut listed = conn
                .prepare(&super::bulk::sqlite_bulk::objects(tables, false))
                .map_err(err)?;
            let rows = listed
                .query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
                })
                .map_err(err)?;
            rows.collect::<Result<Vec<(String, String, String)>, _>>()
                .map_err(err)?
        };
        let mut dropped = Vec::with_capacity(objects.len());
        for (kind, name, sql) in objects {
            conn.execute_batch(&super::bulk::sqlite_bulk::drop(&kind, &name))
                .map_err(err)?;
            dropped.push(sql);
        }
        Ok(SqliteBulk { conn, dropped })
    }

    /// The load's connection, inside its transaction, to prepare the
    /// inserts on.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Recreates what [`begin`](Self::begin) dropped (a rebuilt unique index
    /// checks its rows again), moves `workspace`'s data version on once,
    /// commits, and folds the write-ahead log into the database so later
    /// reads do not search it.
    pub fn finish(self, workspace: Uuid) -> Result<(), DbErr> {
        self.conn
            .execute_batch(super::bulk::sqlite_bulk::REBUILD_CACHE)
            .map_err(err)?;
        for sql in &self.dropped {
            self.conn.execute_batch(sql).map_err(err)?;
        }
        self.conn
            .execute(super::bulk::sqlite_bulk::BUMP, [workspace.as_bytes()])
            .map_err(err)?;
        self.conn.execute_batch("COMMIT").map_err(err)?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(err)?;
        Ok(())
    }
}

/// A time as sqlx writes it into SQLite (RFC 3339, `+00:00`, fractions of a
/// second only when there are any), so that rows written directly sort and
/// compare with the rest.
pub fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// Binds a value the way sqlx stores it in SQLite (UUIDs as 16-byte
/// blobs). Only the kinds the direct statements use are accepted.
fn bind(stmt: &mut rusqlite::CachedStatement<'_>, at: usize, value: &Value) -> Result<(), DbErr> {
    let done = match value {
        Value::String(s) => stmt.raw_bind_parameter(at, s.as_deref()),
        Value::Uuid(u) => stmt.raw_bind_parameter(at, u.as_ref().map(|u| u.as_bytes().to_vec())),
        Value::BigInt(n) => stmt.raw_bind_parameter(at, *n),
        Value::Int(n) => stmt.raw_bind_parameter(at, *n),
        Value::Bool(b) => stmt.raw_bind_parameter(at, *b),
        Value::ChronoDateTimeUtc(t) => stmt.raw_bind_parameter(at, t.map(time_text)),
        other => {
            return Err(DbErr::Custom(format!(
                "the direct SQLite path cannot bind {other:?}"
            )))
        }
    };
    done.map_err(err)
}

/// A rusqlite error as the database error the rest of the app handles.
pub fn err(e: rusqlite::Error) -> DbErr {
    DbErr::Custom(format!("SQLite (direct): {e}"))
}

/// A column a row must have, missing or unreadable.
pub fn missing(column: &str) -> DbErr {
    bad(column, "missing or malformed")
}

/// Joins a time-entry query with the entries' tags: one row per entry and
/// tag (an entry without tags gets one row, its tag NULL), an entry's rows
/// together. On the direct path a join costs a third of what a subquery per
/// entry does.
pub fn join_entry_tags(q: &mut sea_orm::sea_query::SelectStatement) {
    use crate::db::entities::{time_entries, time_entry_tags};
    use sea_orm::sea_query::{Expr, ExprTrait, JoinType};
    q.join(
        JoinType::LeftJoin,
        time_entry_tags::Entity,
        Expr::col((time_entry_tags::Entity, time_entry_tags::Column::EntryId))
            .equals((time_entries::Entity, time_entries::Column::Id)),
    );
}

fn poisoned() -> DbErr {
    DbErr::Custom("SQLite read connections: lock poisoned".into())
}

fn bad(column: &str, what: &str) -> DbErr {
    DbErr::Type(format!("column {column}: {what}"))
}

/// A result row with its column names, read by name (rusqlite's own
/// lookup by name asks SQLite for every column's name on each read).
pub struct Cols<'r, 's> {
    row: &'r Row<'s>,
    names: &'r [&'r str],
}

/// Column readers that accept what sqlx writes into SQLite.
pub mod col {
    use super::*;

    fn value<'r>(row: &'r Cols<'_, '_>, column: &str) -> Result<ValueRef<'r>, DbErr> {
        let at = row
            .names
            .iter()
            .position(|n| *n == column)
            .ok_or_else(|| bad(column, "not in the result"))?;
        row.row.get_ref(at).map_err(err)
    }

    /// The `at`th column of a row read by position (a hot loop's reads).
    pub fn at<'r>(row: &'r Row<'_>, at: usize) -> Result<ValueRef<'r>, DbErr> {
        row.get_ref(at).map_err(err)
    }

    /// Text as a borrowed `str`.
    pub fn str_of<'r>(v: ValueRef<'r>, column: &str) -> Result<Option<&'r str>, DbErr> {
        match v {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map(Some)
                .map_err(|_| bad(column, "not UTF-8")),
            _ => Err(bad(column, "not text")),
        }
    }

    /// A UUID as sqlx stores it (a 16-byte blob) or as text.
    pub fn uuid_of(v: ValueRef<'_>, column: &str) -> Result<Option<Uuid>, DbErr> {
        match v {
            ValueRef::Null => Ok(None),
            ValueRef::Blob(b) => Uuid::from_slice(b)
                .map(Some)
                .map_err(|_| bad(column, "not a UUID")),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .ok()
                .and_then(|s| Uuid::parse_str(s).ok())
                .map(Some)
                .ok_or_else(|| bad(column, "not a UUID")),
            _ => Err(bad(column, "not a UUID")),
        }
    }

    /// A stored time ([`parse_time`]).
    pub fn time_of(v: ValueRef<'_>, column: &str) -> Result<Option<DateTime<Utc>>, DbErr> {
        match str_of(v, column)? {
            None => Ok(None),
            Some(s) => parse_time(s)
                .map(Some)
                .ok_or_else(|| bad(column, "not a time")),
        }
    }

    /// An integer (booleans are stored as 0 and 1).
    pub fn i64_of(v: ValueRef<'_>, column: &str) -> Result<Option<i64>, DbErr> {
        match v {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(n) => Ok(Some(n)),
            _ => Err(bad(column, "not an integer")),
        }
    }

    pub fn opt_text(row: &Cols<'_, '_>, column: &str) -> Result<Option<String>, DbErr> {
        Ok(str_of(value(row, column)?, column)?.map(str::to_string))
    }

    pub fn text(row: &Cols<'_, '_>, column: &str) -> Result<String, DbErr> {
        opt_text(row, column)?.ok_or_else(|| bad(column, "null"))
    }

    pub fn opt_i64(row: &Cols<'_, '_>, column: &str) -> Result<Option<i64>, DbErr> {
        i64_of(value(row, column)?, column)
    }

    pub fn opt_uuid(row: &Cols<'_, '_>, column: &str) -> Result<Option<Uuid>, DbErr> {
        uuid_of(value(row, column)?, column)
    }

    pub fn uuid(row: &Cols<'_, '_>, column: &str) -> Result<Uuid, DbErr> {
        opt_uuid(row, column)?.ok_or_else(|| bad(column, "null"))
    }

    pub fn opt_time(row: &Cols<'_, '_>, column: &str) -> Result<Option<DateTime<Utc>>, DbErr> {
        time_of(value(row, column)?, column)
    }

    pub fn time(row: &Cols<'_, '_>, column: &str) -> Result<DateTime<Utc>, DbErr> {
        opt_time(row, column)?.ok_or_else(|| bad(column, "null"))
    }
}

/// A stored time as sqlx writes it (RFC 3339), or in SQLite's own
/// `YYYY-MM-DD HH:MM:SS[.fff][+HH:MM]` forms (UTC when no offset is given).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    // sqlx's own form first, on the short path (a CSV export reads two a row).
    if let Some(t) = crate::rfc3339::quick(s.as_bytes()) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_every_form_sqlite_holds() {
        let t = DateTime::parse_from_rfc3339("2026-03-29T01:30:05.25Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_time("2026-03-29T01:30:05.250+00:00"), Some(t));
        assert_eq!(parse_time("2026-03-29T03:30:05.25+02:00"), Some(t));
        assert_eq!(parse_time("2026-03-29 01:30:05.25+00:00"), Some(t));
        assert_eq!(parse_time("2026-03-29 01:30:05.25"), Some(t));
        assert_eq!(parse_time("29/03/2026"), None);
    }

    #[test]
    fn only_files_get_a_direct_reader() {
        assert!(SqliteReads::for_url("sqlite://data/t.db?mode=rwc").is_some());
        assert!(SqliteReads::for_url("sqlite::memory:").is_none());
        assert!(SqliteReads::for_url("postgres://u:p@127.0.0.1/t").is_none());
    }
}
