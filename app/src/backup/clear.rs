//! Clear Workspace: deletes the workspace's time entries, projects, clients
//! and tags (and, when asked, its invoices) in one transaction, after
//! keeping the backup of exactly what goes. For 30 days the owner can undo
//! it: the backup is imported again in merge mode, so anything added since
//! stays.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Days a clear can be undone.
pub const UNDO_DAYS: i64 = 30;

/// What Clear Workspace would delete: the confirmation dialog's counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClearCounts {
    pub workspace_name: String,
    pub time_entries: u64,
    pub running_timers: u64,
    pub projects: u64,
    pub clients: u64,
    pub tags: u64,
    pub invoices: u64,
}

/// A clear, and whether it can still be undone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClearRecord {
    pub id: Uuid,
    pub cleared_at: DateTime<Utc>,
    pub cleared_by: String,
    pub time_entries: i64,
    /// The undo is offered until then.
    pub expires_at: DateTime<Utc>,
    pub restored_at: Option<DateTime<Utc>>,
}

#[server(prefix = "/rpc", endpoint = "clear_summary")]
pub async fn clear_summary() -> Result<ClearCounts, AppError> {
    crate::context::scoped(|ctx, scope| async move { service::summary(&ctx.db, &scope).await })
        .await
}

#[server(prefix = "/rpc", endpoint = "clear_workspace")]
pub async fn clear_workspace(
    confirm_name: String,
    include_invoices: Option<String>,
) -> Result<ClearRecord, AppError> {
    crate::context::scoped(|ctx, scope| async move {
        let cmd = service::ClearCommand {
            confirm_name,
            include_invoices: include_invoices.is_some_and(|v| v == "on" || v == "true"),
        };
        service::clear(&ctx.db, &scope, &cmd, ctx.now).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "last_clear")]
pub async fn last_clear() -> Result<Option<ClearRecord>, AppError> {
    crate::context::scoped(
        |ctx, scope| async move { service::last(&ctx.db, &scope, ctx.now).await },
    )
    .await
}

/// Undo clear: starts the import of the kept backup as a job (a million
/// entries take longer than a request should be held open, and a reload
/// must not stop it). Answers the job's id; the Data tab follows the job.
#[server(prefix = "/rpc", endpoint = "undo_clear")]
pub async fn undo_clear(id: Uuid) -> Result<Uuid, AppError> {
    crate::context::scoped(|ctx, scope| async move {
        let undo = service::start_undo(&ctx.db, &scope, id, ctx.now).await?;
        let job = undo.job.id;
        super::jobs::service::spawn(
            ctx.db.clone(),
            scope,
            ctx.background.clone(),
            undo.job,
            undo.cmd,
            Some(id),
            undo.file,
        );
        Ok(job)
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::{ClearCounts, ClearRecord, UNDO_DAYS};
    use crate::backup::import::{self, ImportCommand, Mode};
    use crate::backup::jobs::service as jobs;
    use crate::db::entities::{
        clients, invoice_lines, invoices, projects, tags, time_entries, time_entry_tags, users,
        workspace_snapshots,
    };
    use crate::error::Error;
    use crate::tenant::{Scope, TenantEntity};
    use chrono::{DateTime, Duration, Utc};
    use sea_orm::{
        ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
        QueryOrder, QuerySelect, Set,
    };
    use uuid::Uuid;

    /// What to clear, and the name typed to confirm it.
    #[derive(Clone, Debug)]
    pub struct ClearCommand {
        pub confirm_name: String,
        /// Invoices are financial records with their own snapshots: they
        /// stay unless this is set.
        pub include_invoices: bool,
    }

    async fn count<E: TenantEntity>(db: &impl ConnectionTrait, scope: &Scope) -> Result<u64, Error>
    where
        E::Model: Sync,
    {
        Ok(PaginatorTrait::count(scope.find::<E>(), db).await?)
    }

    /// The counts the confirmation dialog shows. Owners only.
    pub async fn summary(db: &DatabaseConnection, scope: &Scope) -> Result<ClearCounts, Error> {
        scope.owner()?;
        let ws = import::target(db, scope).await?;
        let live = || {
            scope
                .find::<time_entries::Entity>()
                .filter(time_entries::Column::DeletedAt.is_null())
        };
        Ok(ClearCounts {
            workspace_name: ws.name,
            time_entries: crate::entries::service::live_count(db, scope).await?,
            running_timers: live()
                .filter(time_entries::Column::EndedAt.is_null())
                .count(db)
                .await?,
            projects: count::<projects::Entity>(db, scope).await?,
            clients: count::<clients::Entity>(db, scope).await?,
            tags: count::<tags::Entity>(db, scope).await?,
            invoices: count::<invoices::Entity>(db, scope).await?,
        })
    }

    /// Clears the workspace in one transaction, keeping its backup for the
    /// undo. Owners only; refused while billing is read-only and unless
    /// `confirm_name` is the workspace's name.
    pub async fn clear(
        db: &DatabaseConnection,
        scope: &Scope,
        cmd: &ClearCommand,
        now: DateTime<Utc>,
    ) -> Result<ClearRecord, Error> {
        scope.owner()?.writable()?;
        let (txn, _whole) = scope.begin_whole_workspace(db).await?;
        let ws = import::target(&txn, scope).await?;
        if cmd.confirm_name.trim() != ws.name.trim() {
            return Err(Error::invalid(
                "confirm_name",
                format!("Type the workspace's name, “{}”, to confirm.", ws.name),
            ));
        }
        // The backup of exactly what this transaction deletes.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
        let (written, data) = tokio::join!(
            super::super::export::write(
                &txn,
                crate::db::direct::sqlite_file_of(db),
                scope,
                now,
                true,
                tx
            ),
            async move {
                let mut data = Vec::new();
                while let Some(chunk) = rx.recv().await {
                    data.extend_from_slice(&chunk);
                }
                data
            }
        );
        let written = written?;

        // The per-row version triggers (and on SQLite the secondary
        // indexes) stand aside while many rows go; the version moves once.
        let load =
            crate::db::bulk::BulkLoad::begin(&txn, &["time_entries", "time_entry_tags"]).await?;
        scope
            .delete_many::<time_entry_tags::Entity>()
            .exec(&txn)
            .await?;
        scope
            .delete_many::<time_entries::Entity>()
            .exec(&txn)
            .await?;
        if cmd.include_invoices {
            scope
                .delete_many::<invoice_lines::Entity>()
                .exec(&txn)
                .await?;
            scope.delete_many::<invoices::Entity>().exec(&txn).await?;
        }
        scope.delete_many::<projects::Entity>().exec(&txn).await?;
        scope.delete_many::<clients::Entity>().exec(&txn).await?;
        scope.delete_many::<tags::Entity>().exec(&txn).await?;
        load.end(&txn, ws.id).await?;

        let by = users::Entity::find_by_id(scope.user_id)
            .one(&txn)
            .await?
            .map(|u| u.name)
            .unwrap_or_default();
        let id = Uuid::now_v7();
        let entries = written.counts.time_entries as i64;
        let expires_at = now + Duration::days(UNDO_DAYS);
        let by: String = by.chars().take(200).collect();
        // Inserted without reading the row back: the backup of a million
        // entries is about 60 MB, and RETURNING would copy it in again.
        workspace_snapshots::Entity::insert(workspace_snapshots::ActiveModel {
            id: Set(id),
            workspace_id: Set(ws.id),
            reason: Set("clear".into()),
            created_by: Set(scope.user_id),
            created_by_name: Set(by.clone()),
            created_at: Set(now),
            expires_at: Set(expires_at),
            restored_at: Set(None),
            entries: Set(entries),
            data: Set(data),
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        tracing::info!(workspace = %ws.id, entries, "workspace cleared");
        Ok(record((id, now, by, entries, expires_at, None)))
    }

    type Columns = (
        Uuid,
        DateTime<Utc>,
        String,
        i64,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
    );

    fn record(c: Columns) -> ClearRecord {
        ClearRecord {
            id: c.0,
            cleared_at: c.1,
            cleared_by: c.2,
            time_entries: c.3,
            expires_at: c.4,
            restored_at: c.5,
        }
    }

    /// The latest clear that can still be undone (or was), for owners and
    /// admins.
    pub async fn last(
        db: &DatabaseConnection,
        scope: &Scope,
        now: DateTime<Utc>,
    ) -> Result<Option<ClearRecord>, Error> {
        scope.manager()?;
        use workspace_snapshots::Column as C;
        let row: Option<Columns> = scope
            .find::<workspace_snapshots::Entity>()
            .filter(C::Reason.eq("clear"))
            .filter(C::ExpiresAt.gt(now))
            .order_by_desc(C::CreatedAt)
            .select_only()
            .columns([
                C::Id,
                C::CreatedAt,
                C::CreatedByName,
                C::Entries,
                C::ExpiresAt,
                C::RestoredAt,
            ])
            .into_tuple()
            .one(db)
            .await?;
        Ok(row.map(record))
    }

    /// An Undo clear, started: its job, and the kept backup written out
    /// for it to read.
    pub struct Undo {
        pub job: jobs::Started,
        pub cmd: ImportCommand,
        pub file: tempfile::TempPath,
    }

    /// Starts Undo clear: the kept backup, imported in merge mode as a job
    /// (so anything added since the clear stays). Owners only.
    pub async fn start_undo(
        db: &DatabaseConnection,
        scope: &Scope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Undo, Error> {
        scope.owner()?.writable()?;
        let snap = scope
            .get::<workspace_snapshots::Entity>(db, id, "The cleared data")
            .await?;
        if snap.restored_at.is_some() {
            return Err(Error::Conflict(
                "This clear has already been undone.".into(),
            ));
        }
        if snap.expires_at <= now {
            return Err(Error::NotFound(format!(
                "The undo of this clear ended after {UNDO_DAYS} days."
            )));
        }
        let file = tempfile::NamedTempFile::new()
            .map_err(|e| Error::Internal(format!("undo clear: {e}")))?
            .into_temp_path();
        tokio::fs::write(&file, &snap.data)
            .await
            .map_err(|e| Error::Internal(format!("undo clear: {e}")))?;
        let name = format!(
            "Undo clear of {}",
            snap.created_at.format("%-d %B %Y, %H:%M UTC")
        );
        let job = jobs::start(db, scope, &name, Mode::Merge, now).await?;
        let cmd = ImportCommand {
            path: file.to_path_buf(),
            mode: Mode::Merge,
            dry_run: false,
        };
        Ok(Undo { job, cmd, file })
    }

    /// Marks a clear as undone, so its undo is no longer offered.
    pub async fn mark_restored(
        db: &DatabaseConnection,
        scope: &Scope,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), Error> {
        scope
            .update_many::<workspace_snapshots::Entity>()
            .col_expr(
                workspace_snapshots::Column::RestoredAt,
                sea_orm::sea_query::Expr::value(Some(at)),
            )
            .filter(workspace_snapshots::Column::Id.eq(id))
            .exec(db)
            .await?;
        Ok(())
    }
}
