//! Files people send: Import JSON through the session (`POST /imports`)
//! and the API (`POST /api/v1/imports`), both over `app::backup::import`.
//! The body goes to a temporary file as it arrives, never whole into
//! memory, and is refused once it passes `import-body-limit-bytes`.

use app::backup::import::{self, ImportCommand, ImportReport, Mode};
use app::context::RequestCtx;
use app::error::{AppError, Error};
use app::tenant::Scope;
use axum::body::Body;
use axum::extract::Query;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use tokio::io::AsyncWriteExt;

/// `?mode=merge|replace&dry_run=true|false`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `merge` (the default) or `replace`.
    pub mode: Option<String>,
    /// `true` to only preview what the import would do.
    pub dry_run: Option<bool>,
}

impl ImportParams {
    pub fn mode(&self) -> Result<Mode, Error> {
        match self.mode.as_deref() {
            None | Some("") => Ok(Mode::Merge),
            Some(m) => {
                Mode::parse(m).ok_or_else(|| Error::invalid("mode", "Choose merge or replace."))
            }
        }
    }
}

/// Why an upload was not taken.
#[derive(Debug)]
pub enum UploadError {
    TooLarge { limit: usize },
    Broken(String),
}

impl UploadError {
    pub fn message(&self) -> String {
        match self {
            UploadError::TooLarge { limit } => format!(
                "The file is larger than this server's import limit of {}. Compress it \
                 (Export JSON with .json.gz) or ask your administrator to raise \
                 import-body-limit-bytes.",
                human_size(*limit)
            ),
            UploadError::Broken(e) => format!("The upload did not arrive whole ({e}). Try again."),
        }
    }
}

fn human_size(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB {
        format!("{} MB", bytes / MB)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Streams `body` into a temporary file (deleted when the returned path is
/// dropped), refusing it past `limit` bytes: at once when the declared
/// length says so, otherwise as soon as the count passes it.
pub async fn to_temp_file(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<tempfile::TempPath, UploadError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(UploadError::TooLarge { limit });
    }
    let broken = |e: std::io::Error| UploadError::Broken(e.to_string());
    let (file, path) = tempfile::Builder::new()
        .prefix("timether-import-")
        .tempfile()
        .map_err(broken)?
        .into_parts();
    let mut file = tokio::io::BufWriter::with_capacity(256 << 10, tokio::fs::File::from_std(file));
    let mut stream = body.into_data_stream();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| UploadError::Broken(e.to_string()))?;
        total += chunk.len();
        if total > limit {
            return Err(UploadError::TooLarge { limit });
        }
        file.write_all(&chunk).await.map_err(broken)?;
    }
    file.flush().await.map_err(broken)?;
    Ok(path)
}

/// Runs a preview or an import of the uploaded file.
pub async fn import_file(
    db: &DatabaseConnection,
    scope: &Scope,
    path: &std::path::Path,
    params: &ImportParams,
    now: DateTime<Utc>,
) -> Result<ImportReport, Error> {
    let cmd = ImportCommand {
        path: path.to_path_buf(),
        mode: params.mode()?,
        dry_run: params.dry_run.unwrap_or(false),
    };
    import::import(db, scope, &cmd, now, &|_, _| {}).await
}

/// A report's status: a file with problems that was meant to be imported
/// is unprocessable; a preview always succeeds.
pub fn report_status(report: &ImportReport, dry_run: bool) -> StatusCode {
    if dry_run || report.ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// `POST /imports`: Import JSON on the Data tab, into the signed-in
/// person's current workspace. Answers with the report as JSON, or an
/// error the page shows (`AppError` as JSON).
pub async fn session_import(
    Extension(ctx): Extension<RequestCtx>,
    Query(params): Query<ImportParams>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let scope = match app::context::current_scope(&ctx).await {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    // Who may import is known before the upload is read.
    let allowed = if params.dry_run.unwrap_or(false) {
        scope.manager().map(|_| ())
    } else {
        scope.manager().and_then(|s| s.writable()).map(|_| ())
    };
    if let Err(e) = allowed {
        return refused(e);
    }
    let path = match to_temp_file(&headers, body, ctx.settings.import_body_limit_bytes).await {
        Ok(p) => p,
        Err(e) => {
            let status = match e {
                UploadError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                UploadError::Broken(_) => StatusCode::BAD_REQUEST,
            };
            let body = AppError::Invalid {
                field: None,
                message: e.message(),
            };
            return (status, Json(body)).into_response();
        }
    };
    match import_file(&ctx.db, &scope, &path, &params, ctx.now).await {
        Ok(report) => (
            report_status(&report, params.dry_run.unwrap_or(false)),
            Json(report),
        )
            .into_response(),
        Err(e) => refused(e),
    }
}

/// A refusal as JSON the page reads: the status and the `AppError`.
fn refused(e: Error) -> Response {
    let app = AppError::from(e);
    let status = StatusCode::from_u16(app.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(app)).into_response()
}
