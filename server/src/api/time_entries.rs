//! `/time-entries`: the workspace's entries with filters and cursor
//! pagination (a member's own only), and one entry by id.

use super::{path_id, query, ApiCtx, ApiError, ApiResult, ErrorBody};
use app::entries::service::{self, Search};
use axum::extract::Path;
use axum::http::Uri;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct EntryTag {
    pub id: Uuid,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TimeEntry {
    pub id: Uuid,
    pub user_id: Uuid,
    pub description: String,
    pub project_id: Option<Uuid>,
    pub tags: Vec<EntryTag>,
    pub billable: bool,
    pub start: DateTime<Utc>,
    /// Null while the timer runs.
    pub end: Option<DateTime<Utc>>,
    /// Up to now for a running entry.
    pub duration_secs: i64,
    /// On a sent or paid invoice.
    pub invoiced: bool,
}

impl From<app::entries::TimeEntry> for TimeEntry {
    fn from(e: app::entries::TimeEntry) -> Self {
        TimeEntry {
            id: e.id,
            user_id: e.user_id,
            description: e.description,
            project_id: e.project.map(|p| p.id),
            tags: e
                .tags
                .into_iter()
                .map(|t| EntryTag {
                    id: t.id,
                    name: t.name,
                })
                .collect(),
            billable: e.billable,
            start: e.started_at,
            end: e.ended_at,
            duration_secs: e.duration_secs,
            invoiced: e.invoiced,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntryPage {
    pub data: Vec<TimeEntry>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Entries that start at or after this time (RFC 3339).
    pub from: Option<String>,
    /// Entries that start before this time (RFC 3339).
    pub to: Option<String>,
    /// Comma-separated tag names; an entry with any of them matches.
    pub tags: Option<String>,
    pub project_id: Option<String>,
    pub client_id: Option<String>,
    /// Owners and admins only: one person's entries.
    pub user_id: Option<String>,
    pub billable: Option<String>,
    /// 1 to 1000, default 100.
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    app::error::Error::invalid(field, message).into()
}

fn time(field: &str, raw: &Option<String>) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            DateTime::parse_from_rfc3339(s.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    invalid(
                        field,
                        format!("Use an RFC 3339 time such as 2026-11-02T09:00:00Z for `{field}`."),
                    )
                })
        })
        .transpose()
}

fn id(field: &str, raw: &Option<String>) -> Result<Option<Uuid>, ApiError> {
    raw.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            Uuid::parse_str(s.trim())
                .map_err(|_| invalid(field, format!("`{field}` must be a UUID.")))
        })
        .transpose()
}

impl ListParams {
    fn search(&self) -> Result<Search, ApiError> {
        let billable = match self.billable.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => return Err(invalid("billable", "Use billable=true or billable=false.")),
        };
        let limit = match self.limit.as_deref().map(str::trim) {
            None | Some("") => 100,
            Some(l) => l
                .parse::<u64>()
                .map_err(|_| invalid("limit", "Use a limit from 1 to 1000."))?,
        };
        Ok(Search {
            from: time("from", &self.from)?,
            to: time("to", &self.to)?,
            tag_names: self
                .tags
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            project_id: id("project_id", &self.project_id)?,
            client_id: id("client_id", &self.client_id)?,
            user_id: id("user_id", &self.user_id)?,
            billable,
            cursor: self.cursor.clone().filter(|c| !c.trim().is_empty()),
            limit,
        })
    }
}

#[utoipa::path(get, path = "/time-entries", tag = "time-entries", params(ListParams),
    responses((status = 200, body = EntryPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(Extension(ctx): Extension<ApiCtx>, uri: Uri) -> ApiResult<EntryPage> {
    let p: ListParams = query(&uri)?;
    let search = p.search()?;
    let (entries, next) = service::search(&ctx.db, &ctx.scope, &search, ctx.now)
        .await
        .map_err(|e| match e {
            app::error::Error::Invalid {
                field: Some(f),
                message,
            } if f == "before" => app::error::Error::invalid("cursor", message),
            e => e,
        })?;
    Ok(Json(EntryPage {
        data: entries.into_iter().map(TimeEntry::from).collect(),
        next_cursor: next,
    }))
}

#[utoipa::path(get, path = "/time-entries/{id}", tag = "time-entries", params(("id" = Uuid, Path)),
    responses((status = 200, body = TimeEntry), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    Extension(ctx): Extension<ApiCtx>,
    Path(raw): Path<String>,
) -> ApiResult<TimeEntry> {
    let id = path_id(&raw, "The time entry")?;
    let e = service::view_one(&ctx.db, &ctx.scope, id, ctx.now).await?;
    Ok(Json(e.into()))
}
