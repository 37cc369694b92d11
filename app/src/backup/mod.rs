//! Workspace backups (help center: "Workspace data export, backup, and
//! import"): one JSON document with everything a workspace holds except
//! secrets, in id order, written as it is read so memory does not grow
//! with the number of entries. `format` describes the document (version 1,
//! `docs/backup-v1.schema.json`); `export` writes it; `import` reads one
//! back into a workspace, after a preview, in one transaction; `clear`
//! empties a workspace, keeping its backup for an undo; `jobs` runs the
//! Data tab's confirmed imports in the background.

pub mod clear;
#[cfg(feature = "ssr")]
mod export;
#[cfg(feature = "ssr")]
mod export_sqlite;
pub mod format;
#[cfg(feature = "ssr")]
pub mod import;
pub mod jobs;
mod report;

#[cfg(feature = "ssr")]
pub use export::{export, file_name, slug, Export};
pub use report::*;

#[cfg(feature = "ssr")]
use crate::error::Error;
#[cfg(feature = "ssr")]
use crate::tenant::Scope;
#[cfg(feature = "ssr")]
use chrono::{DateTime, Utc};

/// The name a download of this workspace's backup gets, checking first
/// that the person may export it (owners and admins).
#[cfg(feature = "ssr")]
pub async fn download_name(
    db: &impl sea_orm::ConnectionTrait,
    scope: &Scope,
    now: DateTime<Utc>,
    gzip: bool,
) -> Result<String, Error> {
    use sea_orm::EntityTrait;
    scope.manager()?;
    let ws = crate::db::entities::workspaces::Entity::find_by_id(scope.workspace_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("The workspace"))?;
    Ok(file_name(&ws.name, now.date_naive(), gzip))
}
