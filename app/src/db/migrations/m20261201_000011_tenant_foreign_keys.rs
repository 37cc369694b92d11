//! Tenant references become composite foreign keys: a row that names a row
//! of another table names it together with its own `workspace_id`, so the
//! database itself refuses a project whose client, an entry whose project or
//! invoice, or a tag link whose tag lives in another workspace, whatever the
//! code above it does. `time_entries.invoice_id` gets the foreign key it
//! never had (a deleted invoice releases its entries).
//!
//! The single-column foreign keys stay: they carry the delete actions (SET
//! NULL, CASCADE), which a composite key cannot express on SQLite without
//! nulling `workspace_id` too. The composite keys take no action: they are
//! checked at the end of each statement, after the single-column actions
//! have run.
//!
//! Existing data is checked first; a database holding a reference into
//! another workspace stops the migration with a count per reference rather
//! than being changed behind its owner's back.

use sea_orm::sqlx::{self, Row};
use sea_orm_migration::prelude::*;

pub struct M20261201000011TenantForeignKeys;

impl MigrationName for M20261201000011TenantForeignKeys {
    fn name(&self) -> &str {
        "m20261201_000011_tenant_foreign_keys"
    }
}

/// Tables whose `(workspace_id, id)` other tables refer to.
const PARENTS: [&str; 5] = ["clients", "projects", "tags", "time_entries", "invoices"];

/// Every tenant reference: (table, column, referenced table).
const REFERENCES: [(&str, &str, &str); 7] = [
    ("projects", "client_id", "clients"),
    ("time_entries", "project_id", "projects"),
    ("time_entries", "invoice_id", "invoices"),
    ("time_entry_tags", "entry_id", "time_entries"),
    ("time_entry_tags", "tag_id", "tags"),
    ("invoices", "client_id", "clients"),
    ("invoice_lines", "invoice_id", "invoices"),
];

/// The unique index a composite key refers to. Bulk loads leave indexes
/// with this prefix in place (`sqlite_bulk::objects`): a foreign key
/// without its parent index fails every insert.
pub const TENANT_KEY_PREFIX: &str = "tk_";

fn tenant_key(parent: &str) -> String {
    format!(
        "CREATE UNIQUE INDEX IF NOT EXISTS {TENANT_KEY_PREFIX}{parent} \
         ON {parent} (workspace_id, id)"
    )
}

fn constraint_name(table: &str, column: &str) -> String {
    format!("fk_{table}_{column}_tenant")
}

/// The constraint clause, as written into the table definition.
fn composite(table: &str, column: &str, parent: &str) -> String {
    format!(
        "CONSTRAINT \"{}\" FOREIGN KEY (\"workspace_id\", \"{column}\") \
         REFERENCES \"{parent}\" (\"workspace_id\", \"id\")",
        constraint_name(table, column)
    )
}

const INVOICE_FK: &str = "fk_time_entries_invoice";

fn invoice_fk() -> String {
    format!(
        "CONSTRAINT \"{INVOICE_FK}\" FOREIGN KEY (\"invoice_id\") \
         REFERENCES \"invoices\" (\"id\") ON DELETE SET NULL"
    )
}

/// The constraints each rebuilt table gains, in order.
fn added(table: &str) -> Vec<String> {
    let mut out: Vec<String> = REFERENCES
        .iter()
        .filter(|(t, _, _)| *t == table)
        .map(|(t, c, p)| composite(t, c, p))
        .collect();
    if table == "time_entries" {
        out.push(invoice_fk());
    }
    out
}

/// Rows whose reference is set but does not name a row of the referenced
/// table in the same workspace.
fn strays(table: &str, column: &str, parent: &str) -> String {
    format!(
        "SELECT count(*) FROM {table} c WHERE c.{column} IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM {parent} p WHERE p.id = c.{column} AND p.workspace_id = c.workspace_id)"
    )
}

fn stray_count(table: &str, column: &str, n: i64) -> String {
    format!(
        "{table}.{column}: {n} {}",
        if n == 1 { "row" } else { "rows" }
    )
}

fn refuse(found: Vec<String>) -> DbErr {
    DbErr::Migration(format!(
        "cannot add the tenant foreign keys: {}. These rows point to a row that is gone or \
         belongs to another workspace; correct or delete them (or restore a backup), then \
         start Timether again. Nothing was changed.",
        found.join("; ")
    ))
}

fn sqlx_err(e: sqlx::Error) -> DbErr {
    DbErr::Migration(format!("tenant foreign keys: {e}"))
}

#[async_trait::async_trait]
impl MigrationTrait for M20261201000011TenantForeignKeys {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => sqlite::change(m, sqlite::Direction::Up).await,
            _ => postgres_up(m).await,
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => sqlite::change(m, sqlite::Direction::Down).await,
            _ => {
                let db = m.get_connection();
                for (table, column, _) in REFERENCES {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {}",
                        constraint_name(table, column)
                    ))
                    .await?;
                }
                db.execute_unprepared(&format!(
                    "ALTER TABLE time_entries DROP CONSTRAINT IF EXISTS {INVOICE_FK}"
                ))
                .await?;
                for parent in PARENTS {
                    db.execute_unprepared(&format!(
                        "DROP INDEX IF EXISTS {TENANT_KEY_PREFIX}{parent}"
                    ))
                    .await?;
                }
                Ok(())
            }
        }
    }
}

/// PostgreSQL adds constraints in place, inside the migration's transaction.
async fn postgres_up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let mut found = Vec::new();
    for (table, column, parent) in REFERENCES {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                strays(table, column, parent),
            ))
            .await?;
        let n: i64 = match row {
            Some(r) => r.try_get_by_index(0)?,
            None => 0,
        };
        if n > 0 {
            found.push(stray_count(table, column, n));
        }
    }
    if !found.is_empty() {
        return Err(refuse(found));
    }
    for parent in PARENTS {
        db.execute_unprepared(&tenant_key(parent)).await?;
    }
    for (table, column, parent) in REFERENCES {
        db.execute_unprepared(&format!(
            "ALTER TABLE {table} ADD {}",
            composite(table, column, parent)
        ))
        .await?;
    }
    db.execute_unprepared(&format!("ALTER TABLE time_entries ADD {}", invoice_fk()))
        .await?;
    Ok(())
}

/// SQLite cannot add a constraint to a table: each table is rebuilt from its
/// own definition plus the new clauses (the procedure of SQLite's
/// `ALTER TABLE` documentation). That needs foreign keys off, which only
/// applies outside a transaction and per connection, so the work runs on
/// one connection taken from the pool: keys off, one immediate transaction,
/// `foreign_key_check`, commit, keys on again.
mod sqlite {
    use super::*;

    #[derive(Clone, Copy, PartialEq)]
    pub enum Direction {
        Up,
        Down,
    }

    /// The tables that gain constraints.
    const REBUILT: [&str; 5] = [
        "projects",
        "time_entries",
        "time_entry_tags",
        "invoices",
        "invoice_lines",
    ];

    pub async fn change(m: &SchemaManager<'_>, direction: Direction) -> Result<(), DbErr> {
        let sea_orm::DatabaseExecutor::Connection(db) = m.get_connection() else {
            return Err(DbErr::Migration(
                "tenant foreign keys: SQLite migrations run outside a transaction".into(),
            ));
        };
        let mut conn = db
            .get_sqlite_connection_pool()
            .acquire()
            .await
            .map_err(sqlx_err)?;
        sqlx::raw_sql("PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE")
            .execute(&mut *conn)
            .await
            .map_err(sqlx_err)?;
        let result = rebuild_all(&mut conn, direction).await;
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let closed = exec(&mut conn, format!("{end}; PRAGMA foreign_keys = ON")).await;
        if closed.is_err() {
            // Never hand a connection with foreign keys off back to the pool.
            conn.detach();
        }
        result.and(closed.map(|_| ()))
    }

    async fn exec(conn: &mut sqlx::SqliteConnection, sql: String) -> Result<(), DbErr> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(conn)
            .await
            .map(|_| ())
            .map_err(sqlx_err)
    }

    async fn scalar(conn: &mut sqlx::SqliteConnection, sql: String) -> Result<i64, DbErr> {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(conn)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(sqlx_err)
    }

    async fn rebuild_all(
        conn: &mut sqlx::SqliteConnection,
        direction: Direction,
    ) -> Result<(), DbErr> {
        if direction == Direction::Up {
            let mut found = Vec::new();
            for (table, column, parent) in REFERENCES {
                let n = scalar(conn, strays(table, column, parent)).await?;
                if n > 0 {
                    found.push(stray_count(table, column, n));
                }
            }
            if !found.is_empty() {
                return Err(refuse(found));
            }
        }
        for table in REBUILT {
            rebuild(conn, table, direction).await?;
        }
        for parent in PARENTS {
            let sql = match direction {
                Direction::Up => tenant_key(parent),
                Direction::Down => format!("DROP INDEX IF EXISTS {TENANT_KEY_PREFIX}{parent}"),
            };
            exec(conn, sql).await?;
        }
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *conn)
            .await
            .map_err(sqlx_err)?;
        if let Some(row) = broken.first() {
            let table: String = row.try_get(0).map_err(sqlx_err)?;
            return Err(DbErr::Migration(format!(
                "tenant foreign keys: {} rows fail their foreign keys after the rebuild \
                 (first in {table}); nothing was changed",
                broken.len()
            )));
        }
        Ok(())
    }

    /// Rebuilds `table` with its constraints added (up) or taken out (down),
    /// keeping its rows, indexes and triggers.
    async fn rebuild(
        conn: &mut sqlx::SqliteConnection,
        table: &str,
        direction: Direction,
    ) -> Result<(), DbErr> {
        let definition: String =
            sqlx::query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1")
                .bind(table)
                .fetch_one(&mut *conn)
                .await
                .and_then(|r| r.try_get(0))
                .map_err(sqlx_err)?;
        let dependents: Vec<String> = sqlx::query(
            "SELECT sql FROM sqlite_master \
             WHERE tbl_name = ?1 AND type IN ('index', 'trigger') AND sql IS NOT NULL \
             ORDER BY type",
        )
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .map_err(sqlx_err)?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()
        .map_err(sqlx_err)?;
        let columns = match (definition.find('('), definition.rfind(')')) {
            (Some(open), Some(close)) if open < close => &definition[open..close],
            _ => {
                return Err(DbErr::Migration(format!(
                    "tenant foreign keys: cannot read the definition of {table}"
                )));
            }
        };
        let mut columns = columns.to_string();
        for clause in added(table) {
            match direction {
                Direction::Up if !columns.contains(&clause) => {
                    columns.push_str(", ");
                    columns.push_str(&clause);
                }
                Direction::Down => columns = columns.replace(&format!(", {clause}"), ""),
                Direction::Up => {}
            }
        }
        let scratch = format!("{table}__rebuild");
        let steps = [
            format!("CREATE TABLE \"{scratch}\" {columns})"),
            format!("INSERT INTO \"{scratch}\" SELECT * FROM \"{table}\""),
            format!("DROP TABLE \"{table}\""),
            format!("ALTER TABLE \"{scratch}\" RENAME TO \"{table}\""),
        ];
        for sql in steps.into_iter().chain(dependents) {
            exec(conn, sql).await?;
        }
        Ok(())
    }
}
