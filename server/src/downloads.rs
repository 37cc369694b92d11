//! Files people download, streamed as they are written: the workspace
//! backup (Export JSON) through the session (`/exports/backup`) and the
//! API (`/api/v1/exports/backup`), both over `app::backup`.

use app::context::RequestCtx;
use app::error::{AppError, Error};
use app::tenant::Scope;
use axum::body::Body;
use axum::extract::Query;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

/// Chunks written ahead of the reader at most (each up to 256 KB).
const AHEAD: usize = 4;

/// `?gzip=true` for a `.json.gz` file.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BackupParams {
    /// `true` for a gzip-compressed file (`.json.gz`).
    pub gzip: Option<bool>,
}

/// The backup of `scope`'s workspace as a download. Who may export is
/// checked before the first byte; an error after it ends the body early
/// (the reader sees a broken download, never a short valid file).
pub async fn backup(
    db: DatabaseConnection,
    scope: Scope,
    now: DateTime<Utc>,
    gzip: bool,
) -> Result<Response, Error> {
    let name = app::backup::download_name(&db, &scope, now, gzip).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(AHEAD);
    let task = tokio::spawn(async move { app::backup::export(&db, &scope, now, gzip, tx).await });
    let body = futures_util::stream::unfold((rx, Some(task)), |(mut rx, task)| async move {
        if let Some(chunk) = rx.recv().await {
            return Some((Ok(axum::body::Bytes::from(chunk)), (rx, task)));
        }
        let failure = match task?.await {
            Ok(Ok(done)) => {
                tracing::info!(entries = done.counts.time_entries, "backup exported");
                return None;
            }
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        };
        tracing::error!(error = %failure, "backup export failed part way");
        Some((Err(std::io::Error::other(failure)), (rx, None)))
    });
    let content_type = if gzip {
        "application/gzip"
    } else {
        "application/json"
    };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// `GET /exports/backup`: Export JSON on the Data tab, for the signed-in
/// person's current workspace.
pub async fn session_backup(
    Extension(ctx): Extension<RequestCtx>,
    Query(p): Query<BackupParams>,
) -> Response {
    let scope = match app::context::current_scope(&ctx).await {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    match backup(ctx.db.clone(), scope, ctx.now, p.gzip.unwrap_or(false)).await {
        Ok(r) => r,
        Err(e) => refused(e),
    }
}

/// A refusal as a short page: the status and the sentence people read.
fn refused(e: Error) -> Response {
    let app = AppError::from(e);
    let status = StatusCode::from_u16(app.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, app.to_string()).into_response()
}
