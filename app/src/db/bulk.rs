//! Bulk loads: many rows of one workspace in one transaction, with the
//! per-row version triggers (and on SQLite the secondary indexes) set aside
//! until the end.

use sea_orm::{ConnectionTrait, DbErr};

/// A bulk load (`timether dev seed`) writing many rows of one workspace into
/// `tables`, inside one transaction (which is why it takes a
/// [`DatabaseTransaction`](sea_orm::DatabaseTransaction): everything it changes is undone with it).
///
/// The per-row version triggers stand aside for the load, and [`end`]
/// moves the workspace's version forward once, so no reader sees the new
/// rows under the old version. On PostgreSQL a transaction-local setting
/// tells the trigger function to skip (migration
/// [`M20261128000008BulkLoadSwitch`](crate::db::migrations::M20261128000008BulkLoadSwitch)); rows other transactions write
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
            tk = crate::db::migrations::TENANT_KEY_PREFIX.replace('_', "\\_")
        )
    }

    /// Drops one of [`objects`]' rows (`kind` as `sqlite_master` spells it).
    pub fn drop(kind: &str, name: &str) -> String {
        let kind = if kind == "index" { "INDEX" } else { "TRIGGER" };
        format!("DROP {kind} \"{}\"", name.replace('"', "\"\""))
    }

    /// The page cache for `dev seed`'s bulk load, 256 MiB: the load's
    /// pages stay in memory until the commit instead of spilling to the
    /// write-ahead log and being read back, and the index rebuilds sort in
    /// memory. Only pages the load touches take memory.
    pub const CACHE: &str = "PRAGMA cache_size = -262144";

    /// The page cache for the server's own bulk loads (Import JSON, Clear
    /// Workspace), 64 MiB. They run inside a server with a memory budget
    /// (issue 21: an import of a million entries grows it by 256 MB at
    /// most). With 256 MiB the cache and the index rebuilds' sorter, which
    /// takes as much, grew the import of a million by 510 MB.
    pub const SERVER_CACHE: &str = "PRAGMA cache_size = -65536";

    /// The page cache while a load's indexes are rebuilt, 8 MiB. SQLite
    /// sorts an index's keys in runs as large as the page cache: runs of
    /// 8 MiB sort faster than runs of 64 or 256 (they fit the processor's
    /// caches; the merge that follows is cheap), and the sorter no longer
    /// holds as much memory as the cache (the import of a million peaked
    /// about 90 MB higher with 64 MiB runs under mimalloc). The load's
    /// dirty pages beyond it go to the write-ahead log, as at the commit.
    pub const REBUILD_CACHE: &str = "PRAGMA cache_size = -8192";

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
            txn.execute_unprepared(sqlite_bulk::SERVER_CACHE).await?;
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
        if self.cache_size.is_some() && !self.dropped.is_empty() {
            txn.execute_unprepared(sqlite_bulk::REBUILD_CACHE).await?;
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
        if backend == sea_orm::DatabaseBackend::Postgres {
            // The trigger stood aside during the load: announce it once.
            txn.execute_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                "SELECT pg_notify($1, $2)",
                [super::LIVE_CHANNEL.into(), workspace.to_string().into()],
            ))
            .await?;
        }
        Ok(())
    }
}
