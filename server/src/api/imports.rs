//! `/imports`: Import JSON (owners' and admins' read-write tokens). A
//! write: refused while billing is read-only. The body is the backup file,
//! `application/json` or `application/gzip`, up to
//! `import-body-limit-bytes`.

use super::{query, ApiCtx, ApiError, ErrorBody};
use crate::uploads::{self, ImportParams, UploadError};
use crate::AppState;
use app::backup::ImportReport;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

/// Previews (`dry_run=true`) or imports a backup file into the workspace.
/// The report lists, per kind, how many rows are new, updated, unchanged
/// and left alone (merge) or removed (replace), and every problem with its
/// path. A file with problems changes nothing: a dry run answers 200 with
/// the problems, an import 422.
#[utoipa::path(post, path = "/imports", operation_id = "importBackup", tag = "imports", params(ImportParams),
    request_body(content = String, description = "The backup file (format `timether-backup`, version 1), plain or gzip", content_type = "application/json"),
    responses((status = 200, body = ImportReport), (status = 422, body = ImportReport),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<ApiCtx>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let params: ImportParams = query(&uri)?;
    let dry_run = params.dry_run.unwrap_or(false);
    params.mode()?;
    ctx.scope.manager()?;
    let path = uploads::to_temp_file(&headers, body, state.settings.import_body_limit_bytes)
        .await
        .map_err(|e| match e {
            UploadError::TooLarge { .. } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                e.message(),
            ),
            UploadError::Broken(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.message())
            }
        })?;
    let report = uploads::import_file(&ctx.db, &ctx.scope, &path, &params, ctx.now).await?;
    Ok((uploads::report_status(&report, dry_run), Json(report)).into_response())
}
