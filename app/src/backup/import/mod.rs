//! Import JSON: a backup file read back into the current workspace.
//!
//! Two passes over the file, which waits on disk (never whole in memory):
//! the first checks it on its own ([`check`]), the second compares it with
//! the workspace and, unless it is a preview, writes it, in one transaction
//! ([`apply`]). A preview and an import run the same code; only the writes
//! are skipped, so what the preview says is what the import does.
//!
//! Rows are matched by id (clients, projects and tags also by name). A file
//! from another workspace gets ids derived from this workspace and its own
//! ids (UUID v5), so importing it again finds the same rows, and an id in a
//! file never reaches a row of another workspace.

mod apply;
mod check;
#[cfg(test)]
mod fuzz;
mod read;
mod split;

pub use super::report::{ImportReport, KindPlan, Mode, Problem};
pub(crate) use apply::target;

use crate::error::Error;
use crate::tenant::Scope;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use std::path::PathBuf;

/// Problems listed at most; beyond this they are counted.
pub const MAX_LISTED: usize = 200;

/// Problems found so far: the first [`MAX_LISTED`], and how many more.
#[derive(Debug, Default)]
pub struct Problems {
    pub list: Vec<Problem>,
    pub more: u64,
}

impl Problems {
    pub fn push(&mut self, p: Problem) {
        if self.list.len() < MAX_LISTED {
            self.list.push(p);
        } else {
            self.more += 1;
        }
    }

    pub fn extend(&mut self, other: Problems) {
        for p in other.list {
            self.push(p);
        }
        self.more += other.more;
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.more == 0
    }
}

/// What to do with a file.
#[derive(Clone, Debug)]
pub struct ImportCommand {
    /// The uploaded file, plain JSON or gzip.
    pub path: PathBuf,
    pub mode: Mode,
    /// Only say what would happen.
    pub dry_run: bool,
}

/// Previews or imports the file into `scope`'s workspace, calling
/// `progress(entries done, entries in the file)` as it goes. Owners and
/// admins only; an import (not a preview) is refused while billing is
/// read-only. A file with problems comes back as a report listing them all,
/// with nothing written.
pub async fn import(
    db: &DatabaseConnection,
    scope: &Scope,
    cmd: &ImportCommand,
    now: DateTime<Utc>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<ImportReport, Error> {
    scope.manager()?;
    if !cmd.dry_run {
        scope.writable()?;
    }
    let path = cmd.path.clone();
    let checked = tokio::task::spawn_blocking(move || check::check(&path))
        .await
        .map_err(|e| Error::Internal(format!("checking an import: {e}")))?;
    let checked = match checked {
        Ok(c) => c,
        Err(problems) => {
            let target = apply::target(db, scope).await?;
            return Ok(ImportReport {
                target_id: target.id,
                target_name: target.name,
                mode: cmd.mode,
                problems: problems.list,
                more_problems: problems.more,
                ..Default::default()
            });
        }
    };
    apply::run(db, scope, cmd, checked, now, progress).await
}
