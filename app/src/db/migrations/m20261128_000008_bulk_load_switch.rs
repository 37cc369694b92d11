use sea_orm_migration::prelude::*;

/// PostgreSQL's version trigger function learns to stand aside during a bulk
/// load: a transaction that sets `timether.bulk_load` to `on` (see
/// [`BulkLoad`]) writes its rows without a version bump per row, and moves
/// the version once itself. The setting lives only as long as the
/// transaction; no table lock or schema change is needed. (SQLite's bulk
/// loads drop and recreate the triggers inside their transaction.)
pub struct M20261128000008BulkLoadSwitch;

impl MigrationName for M20261128000008BulkLoadSwitch {
    fn name(&self) -> &str {
        "m20261128_000008_bulk_load_switch"
    }
}

const BUMP_BODY: &str = "IF TG_OP = 'DELETE' THEN \
       UPDATE workspaces SET data_version = data_version + 1 WHERE id = OLD.workspace_id; \
       RETURN OLD; \
     END IF; \
     UPDATE workspaces SET data_version = data_version + 1 WHERE id = NEW.workspace_id; \
     RETURN NEW;";

#[async_trait::async_trait]
impl MigrationTrait for M20261128000008BulkLoadSwitch {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION timether_bump_data_version() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                   IF current_setting('timether.bulk_load', true) = 'on' THEN RETURN NULL; END IF; \
                   {BUMP_BODY} \
                 END $$"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION timether_bump_data_version() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN {BUMP_BODY} END $$"
            ))
            .await?;
        Ok(())
    }
}
