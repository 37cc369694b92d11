//! Files people download, streamed as they are written: the workspace
//! backup (Export JSON, over `app::backup`) and Export CSV (over
//! `app::time_export`), each through the session (`/exports/…`) and the
//! API (`/api/v1/exports/…`).

use app::context::RequestCtx;
use app::error::{AppError, Error};
use app::periods::Period;
use app::tenant::Scope;
use app::time_export::pdf::RenderLimits;
use app::time_export::{csv_file, CsvOptions, Detail, Separator};
use app::time_filter::{TagMode, TimeFilter};
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
    let task = tokio::spawn(async move {
        let done = app::backup::export(&db, &scope, now, gzip, tx).await?;
        tracing::info!(entries = done.counts.time_entries, "backup exported");
        Ok(())
    });
    let body = streamed(rx, task, "backup export");
    let content_type = if gzip {
        "application/gzip"
    } else {
        "application/json"
    };
    Ok(attachment(content_type, &name, body))
}

/// The chunks `rx` receives as a body; when they end, the writer's
/// outcome: an error after the first byte ends the body early, so the
/// reader sees a broken download, never a short valid file.
fn streamed(
    rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
    task: tokio::task::JoinHandle<Result<(), Error>>,
    what: &'static str,
) -> Body {
    let body = futures_util::stream::unfold((rx, Some(task)), move |(mut rx, task)| async move {
        if let Some(chunk) = rx.recv().await {
            return Some((Ok(axum::body::Bytes::from(chunk)), (rx, task)));
        }
        let failure = match task?.await {
            Ok(Ok(())) => return None,
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        };
        tracing::error!(error = %failure, "{what} failed part way");
        Some((Err(std::io::Error::other(failure)), (rx, None)))
    });
    Body::from_stream(body)
}

fn attachment(content_type: &'static str, name: &str, body: Body) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// The filter of a time export as query parameters, shared by the Data
/// tab's links and `/api/v1/exports/time-entries.csv`.
#[derive(serde::Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TimeParams {
    /// First day, `YYYY-MM-DD`, in the token person's timezone.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (included).
    pub to: Option<String>,
    /// Instead of `from` and `to`: `this-week`, `last-week`, `this-month`,
    /// `last-month` or `this-year`.
    pub period: Option<String>,
    /// Comma-separated tag names (`#` optional).
    pub tags: Option<String>,
    /// Comma-separated tag ids (what the Data tab sends).
    pub tag_ids: Option<String>,
    /// `any` (default): entries with any of the tags; `all`: with every
    /// one of them; `untagged`: entries without tags.
    pub tag_mode: Option<String>,
    pub project_id: Option<uuid::Uuid>,
    pub client_id: Option<uuid::Uuid>,
    /// One person's time (owners' and admins' tokens).
    pub user_id: Option<uuid::Uuid>,
    /// Only billable (`true`) or non-billable (`false`) entries.
    pub billable: Option<bool>,
    /// CSV: `false` to leave cells starting with `=`, `+`, `-`, `@` as
    /// they are (default `true`: they get a leading `'`).
    pub escape_formulas: Option<bool>,
    /// CSV: `,` (default) or `;`.
    pub separator: Option<String>,
    /// CSV: `true` for a UTF-8 byte order mark (for Excel).
    pub bom: Option<bool>,
    /// PDF: `full` (default) lists every entry day by day; `summary` keeps
    /// to the totals, the chart and the breakdowns.
    pub detail: Option<String>,
}

impl TimeParams {
    /// The filter these parameters describe, tag names resolved.
    pub async fn filter(
        &self,
        db: &DatabaseConnection,
        scope: &Scope,
    ) -> Result<TimeFilter, Error> {
        let period = match self.period.as_deref().map(str::trim) {
            None | Some("") | Some("custom") => Period::Custom,
            Some(p) => Period::parse(p).ok_or_else(|| {
                Error::invalid(
                    "period",
                    "Use period=this-week, last-week, this-month, last-month or this-year, or give from and to.",
                )
            })?,
        };
        let tag_mode = match self.tag_mode.as_deref() {
            None | Some("") => TagMode::Any,
            Some(m) => TagMode::parse(m)
                .ok_or_else(|| Error::invalid("tag_mode", "Use tag_mode=any, all or untagged."))?,
        };
        let mut tag_ids = app::time_filter::service::tags_named(
            db,
            scope,
            &app::time_filter::names(self.tags.as_deref()),
        )
        .await?;
        for raw in app::time_filter::names(self.tag_ids.as_deref()) {
            tag_ids.push(
                raw.parse()
                    .map_err(|_| Error::invalid("tag_ids", "A tag id is not valid."))?,
            );
        }
        if tag_ids.len() > app::time_filter::service::MAX_TAGS {
            return Err(Error::invalid("tag_ids", "Filter by at most 50 tags."));
        }
        Ok(TimeFilter {
            period,
            from: self.from.clone().unwrap_or_default(),
            to: self.to.clone().unwrap_or_default(),
            tag_ids,
            tag_mode,
            project_id: self.project_id,
            client_id: self.client_id,
            user_id: self.user_id,
            billable: self.billable,
        })
    }

    pub fn detail(&self) -> Result<Detail, Error> {
        match self.detail.as_deref() {
            None | Some("") => Ok(Detail::Full),
            Some(d) => Detail::parse(d)
                .ok_or_else(|| Error::invalid("detail", "Use detail=full or detail=summary.")),
        }
    }

    pub fn csv_options(&self, for_people: bool) -> Result<CsvOptions, Error> {
        let separator = match self.separator.as_deref() {
            None | Some("") => Separator::Comma,
            Some(s) => Separator::parse(s)
                .ok_or_else(|| Error::invalid("separator", "Use separator=, or separator=;."))?,
        };
        Ok(CsvOptions {
            separator,
            bom: self.bom.unwrap_or(for_people),
            escape_formulas: self.escape_formulas.unwrap_or(true),
        })
    }
}

/// Export CSV of the entries `filter` selects, as a download. The filter
/// is checked before the first byte.
pub async fn time_csv(
    db: DatabaseConnection,
    scope: Scope,
    tz: chrono_tz::Tz,
    filter: TimeFilter,
    opts: CsvOptions,
    now: DateTime<Utc>,
) -> Result<Response, Error> {
    let name = csv_file::file_name(&db, &scope, tz, &filter, now, "csv").await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(AHEAD);
    let task = tokio::spawn(async move {
        let done = csv_file::write(&db, &scope, tz, &filter, opts, now, tx).await?;
        tracing::info!(rows = done.rows, running = done.running, "CSV exported");
        Ok(())
    });
    Ok(attachment(
        "text/csv; charset=utf-8",
        &name,
        streamed(rx, task, "CSV export"),
    ))
}

/// Export PDF of the entries `filter` selects, as a download: rendered
/// whole (within the render limits) before the first byte, so a failure
/// is an error page, never half a file.
pub async fn time_pdf(
    db: DatabaseConnection,
    scope: Scope,
    tz: chrono_tz::Tz,
    filter: TimeFilter,
    detail: Detail,
    now: DateTime<Utc>,
    limits: &RenderLimits,
) -> Result<Response, Error> {
    let name = csv_file::file_name(&db, &scope, tz, &filter, now, "pdf").await?;
    let started = std::time::Instant::now();
    let pdf = app::time_export::pdf::render(&db, &scope, tz, &filter, detail, now, limits).await?;
    tracing::info!(
        bytes = pdf.len(),
        ms = started.elapsed().as_millis() as u64,
        "PDF exported"
    );
    Ok(attachment("application/pdf", &name, Body::from(pdf)))
}

/// Which file a time export makes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TimeFile {
    Csv,
    Pdf,
}

/// Export CSV or PDF of the entries `p` selects, as a download, in
/// `tz`; `for_people` is the session's door (a BOM for Excel by default).
#[allow(clippy::too_many_arguments)]
pub async fn time_file(
    db: &DatabaseConnection,
    scope: Scope,
    tz: chrono_tz::Tz,
    p: &TimeParams,
    file: TimeFile,
    for_people: bool,
    now: DateTime<Utc>,
    limits: &RenderLimits,
) -> Result<Response, Error> {
    let filter = p.filter(db, &scope).await?;
    if file == TimeFile::Pdf {
        time_pdf(db.clone(), scope, tz, filter, p.detail()?, now, limits).await
    } else {
        let opts = p.csv_options(for_people)?;
        time_csv(db.clone(), scope, tz, filter, opts, now).await
    }
}

async fn session_time(
    ctx: RequestCtx,
    p: TimeParams,
    file: TimeFile,
    limits: RenderLimits,
) -> Response {
    let run = async {
        let scope = app::context::current_scope(&ctx).await?;
        let tz = ctx.session()?.tz();
        time_file(&ctx.db, scope, tz, &p, file, true, ctx.now, &limits).await
    };
    match run.await {
        Ok(r) => r,
        Err(e) => refused(e),
    }
}

/// `GET /exports/time-entries.pdf`: Export PDF on the Data tab and the
/// Reports page, in the signed-in person's timezone.
pub async fn session_time_pdf(
    Extension(ctx): Extension<RequestCtx>,
    Extension(limits): Extension<RenderLimits>,
    Query(p): Query<TimeParams>,
) -> Response {
    session_time(ctx, p, TimeFile::Pdf, limits).await
}

/// `GET /exports/time-entries.csv`: Export CSV on the Data tab and the
/// Reports page, in the signed-in person's timezone.
pub async fn session_time_csv(
    Extension(ctx): Extension<RequestCtx>,
    Extension(limits): Extension<RenderLimits>,
    Query(p): Query<TimeParams>,
) -> Response {
    session_time(ctx, p, TimeFile::Csv, limits).await
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

/// An invoice as a PDF download (rendered whole before the first byte).
pub async fn invoice_pdf(
    db: &DatabaseConnection,
    scope: &Scope,
    id: uuid::Uuid,
    limits: &RenderLimits,
) -> Result<Response, Error> {
    let (name, pdf) = app::invoices::pdf::render(db, scope, id, limits).await?;
    Ok(attachment("application/pdf", &name, Body::from(pdf)))
}

/// `GET /exports/invoices/{id}`: Download PDF on an invoice's page.
pub async fn session_invoice_pdf(
    Extension(ctx): Extension<RequestCtx>,
    Extension(limits): Extension<RenderLimits>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let run = async {
        let id = id.parse().map_err(|_| Error::not_found("The invoice"))?;
        let scope = app::context::current_scope(&ctx).await?;
        invoice_pdf(&ctx.db, &scope, id, &limits).await
    };
    match run.await {
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
