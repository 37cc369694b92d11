//! `/exports`: the workspace's backup (owners' and admins' tokens). A read:
//! it works while billing is read-only.

use super::{query, ApiCtx, ApiError, ErrorBody};
use crate::downloads::BackupParams;
use axum::http::Uri;
use axum::response::Response;
use axum::Extension;

/// The workspace's backup: one JSON document (format `timether-backup`,
/// version 1) with members, clients, projects, tags, time entries and
/// invoices, streamed; `gzip=true` for a gzip-compressed file.
#[utoipa::path(get, path = "/exports/backup", tag = "exports", params(BackupParams),
    responses((status = 200, description = "The backup document", content_type = "application/json"),
        (status = 403, body = ErrorBody)))]
pub async fn backup(Extension(ctx): Extension<ApiCtx>, uri: Uri) -> Result<Response, ApiError> {
    let p: BackupParams = query(&uri)?;
    Ok(crate::downloads::backup(ctx.db, ctx.scope, ctx.now, p.gzip.unwrap_or(false)).await?)
}
