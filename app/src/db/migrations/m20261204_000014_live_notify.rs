//! Live updates on PostgreSQL: the data-version trigger also announces the
//! change on the `timether_live` channel (`crate::db::LIVE_CHANNEL`), so
//! every instance's listener hears of every write, by any door, when its
//! transaction commits (and not at all when it rolls back).
//!
//! The payload is `<workspace>` or, for a time entry, `<workspace> <person>`,
//! so only that person's pages look again. PostgreSQL sends one of
//! identical payloads per transaction, so a write of many rows is one
//! notification. A bulk load (`timether.bulk_load`) announces itself once,
//! at its end (`crate::db::bulk::BulkLoad::end`).

use sea_orm_migration::prelude::*;

pub struct M20261204000014LiveNotify;

impl MigrationName for M20261204000014LiveNotify {
    fn name(&self) -> &str {
        "m20261204_000014_live_notify"
    }
}

const BUMP_BODY: &str = "IF TG_OP = 'DELETE' THEN \
       UPDATE workspaces SET data_version = data_version + 1 WHERE id = OLD.workspace_id; \
       RETURN OLD; \
     END IF; \
     UPDATE workspaces SET data_version = data_version + 1 WHERE id = NEW.workspace_id; \
     RETURN NEW;";

/// Each row's workspace moves on and is announced; an entry also names
/// its person (both, when an entry changed hands).
const NOTIFY_BODY: &str = "IF TG_OP = 'DELETE' THEN \
       UPDATE workspaces SET data_version = data_version + 1 WHERE id = OLD.workspace_id; \
       IF TG_TABLE_NAME = 'time_entries' THEN \
         PERFORM pg_notify('timether_live', OLD.workspace_id::text || ' ' || OLD.user_id::text); \
       ELSE \
         PERFORM pg_notify('timether_live', OLD.workspace_id::text); \
       END IF; \
       RETURN OLD; \
     END IF; \
     UPDATE workspaces SET data_version = data_version + 1 WHERE id = NEW.workspace_id; \
     IF TG_TABLE_NAME = 'time_entries' THEN \
       PERFORM pg_notify('timether_live', NEW.workspace_id::text || ' ' || NEW.user_id::text); \
       IF TG_OP = 'UPDATE' AND OLD.user_id <> NEW.user_id THEN \
         PERFORM pg_notify('timether_live', OLD.workspace_id::text || ' ' || OLD.user_id::text); \
       END IF; \
     ELSE \
       PERFORM pg_notify('timether_live', NEW.workspace_id::text); \
     END IF; \
     RETURN NEW;";

#[async_trait::async_trait]
impl MigrationTrait for M20261204000014LiveNotify {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION timether_bump_data_version() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                   IF current_setting('timether.bulk_load', true) = 'on' THEN RETURN NULL; END IF; \
                   {NOTIFY_BODY} \
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
                 LANGUAGE plpgsql AS $$ BEGIN \
                   IF current_setting('timether.bulk_load', true) = 'on' THEN RETURN NULL; END IF; \
                   {BUMP_BODY} \
                 END $$"
            ))
            .await?;
        Ok(())
    }
}
