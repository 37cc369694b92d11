//! The entries domain on the server: the list and its filters (`query`),
//! entries as lists show them (`read_model`), writes (`write`) and the
//! page cache.

use super::*;
use crate::db::entities::{projects, tags, time_entries, time_entry_tags};
use crate::error::Error;
use crate::periods;
use crate::tenant::Scope;
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Set,
    Statement,
};
use std::collections::BTreeMap;

/// Entries of this workspace that are not deleted (the base of every read).
pub fn live(scope: &Scope) -> Select<time_entries::Entity> {
    scope
        .find::<time_entries::Entity>()
        .filter(time_entries::Column::DeletedAt.is_null())
}

/// How many entries [`live`] holds, counted on indexes alone: all of the
/// workspace's entries less the deleted ones (a small partial index,
/// migration 17). Counting `live` itself reads every entry's row, 3 s for a
/// million on SQLite. Run both counts in one transaction where the total
/// must be exact.
pub async fn live_count(db: &impl ConnectionTrait, scope: &Scope) -> Result<u64, sea_orm::DbErr> {
    let all = scope.find::<time_entries::Entity>().count(db).await?;
    let deleted = scope
        .find::<time_entries::Entity>()
        .filter(time_entries::Column::DeletedAt.is_not_null())
        .count(db)
        .await?;
    Ok(all.saturating_sub(deleted))
}

/// The tag ids of the workspace's entries whose id meets `entries` (a
/// list, a range or a subquery on `time_entry_tags.entry_id`), by entry,
/// in one statement: the one read of tag links that exports, backups and
/// reports share.
pub async fn tag_links(
    db: &impl ConnectionTrait,
    scope: &Scope,
    entries: sea_orm::sea_query::SimpleExpr,
) -> Result<std::collections::HashMap<Uuid, Vec<Uuid>>, Error> {
    let links: Vec<(Uuid, Uuid)> = scope
        .find::<time_entry_tags::Entity>()
        .filter(entries)
        .select_only()
        .column(time_entry_tags::Column::EntryId)
        .column(time_entry_tags::Column::TagId)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_entry: std::collections::HashMap<Uuid, Vec<Uuid>> = std::collections::HashMap::new();
    for (entry, tag) in links {
        by_entry.entry(entry).or_default().push(tag);
    }
    Ok(by_entry)
}

/// Seconds between start and end (or now for a running entry), never negative.
pub fn duration(m: &time_entries::Model, now: DateTime<Utc>) -> i64 {
    (m.ended_at.unwrap_or(now) - m.started_at)
        .num_seconds()
        .max(0)
}

mod query;
mod read_model;
mod write;

/// Entry pages and day totals read recently, keyed by the workspace,
/// its data version when they were read and the exact query.
///
/// Database triggers move `workspaces.data_version` forward on every
/// change to entries, their tags, projects, clients, tags and invoices
/// (migration `M20261128000007WorkspaceDataVersion`), and every request
/// reads the version with its membership ([`Scope::data_version`]), so a
/// page found here was read at the version the request sees: no write,
/// on this instance or another sharing the database, can leave a stale
/// page behind. The version is read before the page, so a page may only
/// be newer than its key, never older. Entries still running get their
/// duration from `now` on the way out. The cache is bounded in bytes,
/// keys included (`CAPACITY`).
pub(crate) mod page_cache;

pub use query::*;
pub use read_model::*;
pub use write::*;
