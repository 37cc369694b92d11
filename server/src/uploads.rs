//! Files people send: Import JSON through the session (`POST /imports`)
//! and the API (`POST /api/v1/imports`), both over `app::backup::import`.
//! The body goes to a temporary file as it arrives, never whole into
//! memory, and is refused once it passes `import-body-limit-bytes`. On the
//! Data tab a preview answers at once and a confirmed import runs as a job
//! (`app::backup::jobs`); the API answers with the import's report.

use app::backup::import::{self, ImportCommand, ImportReport, Mode};
use app::backup::jobs::service as jobs;
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

/// `?name=`: the chosen file's name, which the Data tab shows with the job.
#[derive(serde::Deserialize)]
pub struct FileName {
    pub name: Option<String>,
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
/// person's current workspace. A preview answers with the report as JSON;
/// a confirmed import answers 202 with `{"job": id}` once the file is here
/// and runs on, whatever happens to the request. Refusals come as an
/// `AppError` in JSON, which the page shows.
pub async fn session_import(
    Extension(ctx): Extension<RequestCtx>,
    Query(params): Query<ImportParams>,
    Query(file): Query<FileName>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let scope = match app::context::current_scope(&ctx).await {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    let dry_run = params.dry_run.unwrap_or(false);
    // Who may import, and whether one already runs, is known before the
    // upload is read.
    let allowed = if dry_run {
        scope.manager().map(|_| ())
    } else {
        match jobs::latest(&ctx.db, &scope, ctx.now).await {
            Ok(Some(job)) if job.running() => Err(Error::Conflict(
                "An import into this workspace is already running. Wait for it to finish, \
                 then try again."
                    .into(),
            )),
            Ok(_) => scope.manager().and_then(|s| s.writable()).map(|_| ()),
            Err(e) => Err(e),
        }
    };
    if let Err(e) = allowed.and_then(|_| params.mode().map(|_| ())) {
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
    if dry_run {
        return match import_file(&ctx.db, &scope, &path, &params, ctx.now).await {
            Ok(report) => (report_status(&report, true), Json(report)).into_response(),
            Err(e) => refused(e),
        };
    }
    let mode = params.mode().unwrap_or_default();
    let name = file.name.unwrap_or_default();
    let job = match jobs::start(&ctx.db, &scope, &name, mode, ctx.now).await {
        Ok(job) => job,
        Err(e) => return refused(e),
    };
    let id = job.id;
    let cmd = ImportCommand {
        path: path.to_path_buf(),
        mode,
        dry_run: false,
    };
    // The upload is deleted once the job has ended.
    jobs::spawn(
        ctx.db.clone(),
        scope,
        ctx.background.clone(),
        job,
        cmd,
        None,
        path,
    );
    (StatusCode::ACCEPTED, Json(serde_json::json!({ "job": id }))).into_response()
}

/// A refusal as JSON the page reads: the status and the `AppError`.
fn refused(e: Error) -> Response {
    let app = AppError::from(e);
    let status = StatusCode::from_u16(app.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let retry = match &app {
        AppError::Busy { retry_after_secs }
        | AppError::RateLimited { retry_after_secs }
        | AppError::SecondFactorLocked { retry_after_secs } => Some(*retry_after_secs),
        _ => None,
    };
    let mut res = (status, Json(app)).into_response();
    if let Some(secs) = retry {
        res.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    res
}
