use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::tables::*;

/// A per-workspace counter that every change to what entry lists show
/// moves forward: entries, their tags, projects, clients, tags and
/// invoices. Database triggers keep it, so no write path (the UI, the API,
/// `dev seed`, an import, a second app instance) can forget to. Readers
/// compare it with the version a cached page was read at
/// (`crate::entries::service::page_cache`).
pub struct M20261128000007WorkspaceDataVersion;

impl MigrationName for M20261128000007WorkspaceDataVersion {
    fn name(&self) -> &str {
        "m20261128_000007_workspace_data_version"
    }
}

/// The tables whose rows entry lists show, each with a `workspace_id`.
const VERSIONED_TABLES: [&str; 6] = [
    "time_entries",
    "time_entry_tags",
    "projects",
    "clients",
    "tags",
    "invoices",
];

#[async_trait::async_trait]
impl MigrationTrait for M20261128000007WorkspaceDataVersion {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Workspaces::Table)
                .add_column(big_integer(Workspaces::DataVersion).default(0))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => {
                for t in VERSIONED_TABLES {
                    for (op, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER IF NOT EXISTS trg_{t}_{op}_version \
                             AFTER {op} ON {t} FOR EACH ROW BEGIN \
                               UPDATE workspaces SET data_version = data_version + 1 \
                               WHERE id = {row}.workspace_id; \
                             END",
                            op = op.to_lowercase(),
                        ))
                        .await?;
                    }
                }
            }
            _ => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION timether_bump_data_version() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                       IF TG_OP = 'DELETE' THEN \
                         UPDATE workspaces SET data_version = data_version + 1 WHERE id = OLD.workspace_id; \
                         RETURN OLD; \
                       END IF; \
                       UPDATE workspaces SET data_version = data_version + 1 WHERE id = NEW.workspace_id; \
                       RETURN NEW; \
                     END $$",
                )
                .await?;
                for t in VERSIONED_TABLES {
                    db.execute_unprepared(&format!(
                        "CREATE OR REPLACE TRIGGER trg_{t}_version \
                         AFTER INSERT OR UPDATE OR DELETE ON {t} \
                         FOR EACH ROW EXECUTE FUNCTION timether_bump_data_version()"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => {
                for t in VERSIONED_TABLES {
                    for op in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS trg_{t}_{op}_version"
                        ))
                        .await?;
                    }
                }
            }
            _ => {
                for t in VERSIONED_TABLES {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS trg_{t}_version ON {t}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS timether_bump_data_version()")
                    .await?;
            }
        }
        m.alter_table(
            Table::alter()
                .table(Workspaces::Table)
                .drop_column(Workspaces::DataVersion)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
