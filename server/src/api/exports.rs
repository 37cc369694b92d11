//! `/exports`: the workspace's backup (owners' and admins' tokens) and
//! time entries as CSV and PDF (everyone's for owners and admins, the token
//! person's own for members). Reads: they work while billing is read-only.

use super::{query, ApiCtx, ApiError, ErrorBody};
use crate::downloads::{BackupParams, TimeFile, TimeParams};
use app::time_export::pdf::RenderLimits;
use axum::http::Uri;
use axum::response::Response;
use axum::Extension;

/// The workspace's backup: one JSON document (format `timether-backup`,
/// version 1) with members, clients, projects, tags, time entries and
/// invoices, streamed; `gzip=true` for a gzip-compressed file.
#[utoipa::path(get, path = "/exports/backup", operation_id = "exportBackup", tag = "exports", params(BackupParams),
    responses((status = 200, description = "The backup document", content_type = "application/json"),
        (status = 403, body = ErrorBody)))]
pub async fn backup(Extension(ctx): Extension<ApiCtx>, uri: Uri) -> Result<Response, ApiError> {
    let p: BackupParams = query(&uri)?;
    Ok(crate::downloads::backup(ctx.db, ctx.scope, ctx.now, p.gzip.unwrap_or(false)).await?)
}

/// Finished time entries as CSV (RFC 4180), oldest first, in the token
/// person's timezone: Date, Start, End, Start (ISO), End (ISO), Duration
/// (h:mm:ss), Duration (decimal hours), Description, Project, Client,
/// Tags, Billable, Rate, Amount, Currency, Person, Email, Invoice. Running
/// entries are left out. No row cap; streamed.
#[utoipa::path(get, path = "/exports/time-entries.csv", operation_id = "exportTimeEntriesCsv", tag = "exports", params(TimeParams),
    responses((status = 200, description = "The CSV file", content_type = "text/csv"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn time_entries_csv(
    Extension(ctx): Extension<ApiCtx>,
    Extension(limits): Extension<RenderLimits>,
    uri: Uri,
) -> Result<Response, ApiError> {
    time_file(ctx, uri, TimeFile::Csv, limits).await
}

/// A time report as PDF, in the token person's timezone: totals, hours
/// per day (or month), breakdowns by project and tag, then the entries day
/// by day (`detail=summary` leaves them out). Rendered within a time
/// limit: past it, 503 with a sentence.
#[utoipa::path(get, path = "/exports/time-entries.pdf", operation_id = "exportTimeEntriesPdf", tag = "exports", params(TimeParams),
    responses((status = 200, description = "The PDF file", content_type = "application/pdf"),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, description = "The render passed its time limit", body = ErrorBody)))]
pub async fn time_entries_pdf(
    Extension(ctx): Extension<ApiCtx>,
    Extension(limits): Extension<RenderLimits>,
    uri: Uri,
) -> Result<Response, ApiError> {
    time_file(ctx, uri, TimeFile::Pdf, limits).await
}

/// CSV or PDF in the token person's timezone.
async fn time_file(
    ctx: ApiCtx,
    uri: Uri,
    file: TimeFile,
    limits: RenderLimits,
) -> Result<Response, ApiError> {
    let p: TimeParams = query(&uri)?;
    let (person, _) = app::workspaces::service::person_and_workspace(&ctx.db, &ctx.scope).await?;
    let tz = app::periods::zone(&person.timezone);
    Ok(
        crate::downloads::time_file(&ctx.db, ctx.scope, tz, &p, file, false, ctx.now, &limits)
            .await?,
    )
}
