//! Persistence: SeaORM entities, migrations and the connection.

pub mod bulk;
pub mod direct;
pub mod entities;
pub mod migrations;

use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr, RuntimeErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

/// PostgreSQL's notification channel for live updates (`crate::live`): a
/// payload of `<workspace>` or `<workspace> <person>` per changed row.
pub const LIVE_CHANNEL: &str = "timether_live";

/// Connects to SQLite (WAL, foreign keys on) or PostgreSQL and runs the
/// migrations. A SQLite file's folder is created when missing.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        if let Some(path) = sqlite_file(url) {
            if let Some(dir) = std::path::Path::new(&path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        DbErr::Custom(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
            }
        }
        // One writer at a time is SQLite's rule; a small pool keeps readers going.
        let in_memory = url.contains(":memory:");
        opts.max_connections(if in_memory { 1 } else { 8 })
            .min_connections(1);
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(10))
                .create_if_missing(true)
                .row_buffer_size(1024)
        });
    } else {
        // A request waits at most this long for a connection, then answers
        // 503 with Retry-After (`Error::Db` → `AppError::Busy`) instead of
        // hanging while the pool is exhausted.
        opts.max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(5));
    }
    let db = connect_with_retry(opts, url).await?;
    migrations::Migrator::up(&db, None).await?;
    Ok(db)
}

/// How long a starting server keeps trying to reach PostgreSQL.
const CONNECT_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// PostgreSQL may start after the app (a container stack, a reboot): the
/// first connection is tried again with a growing pause, each try logged,
/// for [`CONNECT_FOR`]. SQLite is a file: its errors are final at once.
async fn connect_with_retry(opts: ConnectOptions, url: &str) -> Result<DatabaseConnection, DbErr> {
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(500);
    let mut tries = 1u32;
    loop {
        match Database::connect(opts.clone()).await {
            Ok(db) => return Ok(db),
            Err(e) if url.starts_with("postgres") && started.elapsed() + pause < CONNECT_FOR => {
                tracing::warn!(
                    tries,
                    error = %e,
                    "PostgreSQL is not answering; trying again in {pause:?}"
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(std::time::Duration::from_secs(8));
                tries += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The file behind a SQLite URL; `None` for PostgreSQL and SQLite in memory.
pub fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path.contains(":memory:") {
        None
    } else {
        Some(path.to_string())
    }
}

/// Whether a unique-constraint violation caused this error.
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// How often a write transaction that finds SQLite busy is tried again.
const BUSY_RETRIES: u32 = 5;

/// Opens a transaction that writes. On SQLite it is `BEGIN IMMEDIATE`: the
/// write lock is taken up front, waiting out the busy timeout for it. A
/// deferred `BEGIN` that reads first and then writes is refused at once
/// ("database is locked") when another connection wrote in between, and
/// no timeout helps there. Should the lock still be busy after the timeout,
/// the begin is tried again a few times with a growing pause; once it is
/// open, nothing in the transaction can meet SQLITE_BUSY. PostgreSQL gets a
/// plain `BEGIN` (the mode is SQLite's only).
/// A read-only snapshot: every statement in it sees the same moment
/// (exports read their counts and rows through one).
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            db.begin_with_config(
                Some(sea_orm::IsolationLevel::RepeatableRead),
                Some(sea_orm::AccessMode::ReadOnly),
            )
            .await
        }
        // SQLite in WAL mode: a transaction reads one snapshot from its
        // first statement on.
        _ => db.begin().await,
    }
}

pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let mut tries = 0;
    loop {
        match db.begin_with_options(options).await {
            Err(e) if tries < BUSY_RETRIES && is_busy(&e) => {
                tries += 1;
                tracing::warn!(tries, "SQLite stayed busy; trying the write again");
                tokio::time::sleep(std::time::Duration::from_millis(50 << tries)).await;
            }
            other => return other,
        }
    }
}

/// Whether SQLite refused for a lock held elsewhere (SQLITE_BUSY, SQLITE_LOCKED
/// and their extended codes).
pub fn is_busy(e: &DbErr) -> bool {
    let runtime = match e {
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return false,
    };
    let RuntimeErr::SqlxError(err) = runtime else {
        return false;
    };
    let Some(db_err) = err.as_database_error() else {
        return false;
    };
    if db_err
        .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
        .is_none()
    {
        return false;
    }
    // Primary result codes 5 (BUSY) and 6 (LOCKED); extended codes keep them in the low byte.
    db_err
        .code()
        .and_then(|c| c.parse::<i64>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

/// A raw statement for `backend`, written once with numbered parameters in
/// SQLite's form (`?1`, `?2`); PostgreSQL gets them as `$1`, `$2`. The SQL
/// must hold no other `?`.
pub fn statement(
    backend: sea_orm::DbBackend,
    sql: &str,
    values: impl IntoIterator<Item = sea_orm::Value>,
) -> sea_orm::Statement {
    let sql = match backend {
        sea_orm::DbBackend::Postgres => sql.replace('?', "$"),
        _ => sql.to_string(),
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}
