//! `/time-entries`: the workspace's entries with filters and cursor
//! pagination (a member's own only), and one entry by id.

use super::{path_id, query, ApiCtx, ApiError, ApiJson, ApiResult, ErrorBody};
use app::entries::service::{self, EntryQuery};
use app::timer::TimerInput;
use axum::extract::Path;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Clone, Serialize, ToSchema)]
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

impl From<app::entries::Entry> for TimeEntry {
    fn from(e: app::entries::Entry) -> Self {
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
            let t = DateTime::parse_from_rfc3339(s.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    invalid(
                        field,
                        format!("Use an RFC 3339 time such as 2026-11-02T09:00:00Z for `{field}`."),
                    )
                })?;
            app::periods::check_year(chrono::Datelike::year(&t), field)?;
            Ok(t)
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
    fn query(&self) -> Result<EntryQuery, ApiError> {
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
        Ok(EntryQuery {
            from: time("from", &self.from)?,
            to: time("to", &self.to)?,
            tag_names: app::time_filter::names(self.tags.as_deref()),
            project_id: id("project_id", &self.project_id)?,
            client_id: id("client_id", &self.client_id)?,
            tag_ids: Vec::new(),
            user_id: id("user_id", &self.user_id)?,
            billable,
            finished_only: false,
            cursor: self.cursor.clone().filter(|c| !c.trim().is_empty()),
            limit,
        })
    }
}

#[utoipa::path(get, path = "/time-entries", operation_id = "listTimeEntries", tag = "time-entries", params(ListParams),
    responses((status = 200, body = EntryPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(Extension(ctx): Extension<ApiCtx>, uri: Uri) -> Result<Response, ApiError> {
    let p: ListParams = query(&uri)?;
    let query = p.query()?;
    let key = pages::key(&ctx.scope, &query);
    let page = match pages::get(&key) {
        Some(page) => page,
        None => {
            let (entries, next) = service::search(&ctx.db, &ctx.scope, &query, ctx.now).await?;
            pages::keep(key, entries, next)
        }
    };
    Ok(page.response(ctx.now))
}

/// Entry pages as served, their finished entries already serialised.
///
/// A page is keyed by everything its answer depends on: the workspace and
/// its data version (read with the token, so a page found here is current
/// for the request: see `app::entries::service::page_cache`), the person
/// and role asking (what they may see) and the whole search. Running
/// entries stay values and get their duration from the request's time.
/// Bounded by the bytes held.
mod pages {
    use super::TimeEntry;
    use app::entries::service::EntryQuery;
    use app::tenant::Scope;
    use axum::response::{IntoResponse, Response};
    use chrono::{DateTime, Utc};
    use serde::ser::{SerializeSeq, SerializeStruct, Serializer};
    use serde_json::value::RawValue;
    use std::sync::{Arc, LazyLock};

    /// Bytes of serialised pages held at most.
    const CAPACITY: u64 = 64 << 20;

    pub(super) enum Piece {
        Finished(Box<RawValue>),
        Running(TimeEntry),
    }

    pub(super) struct Page {
        pieces: Vec<Piece>,
        next_cursor: Option<String>,
        bytes: usize,
    }

    #[derive(Clone)]
    struct Weight;

    impl quick_cache::Weighter<String, Arc<Page>> for Weight {
        fn weight(&self, key: &String, page: &Arc<Page>) -> u64 {
            (key.len() + page.bytes) as u64
        }
    }

    static CACHE: LazyLock<quick_cache::sync::Cache<String, Arc<Page>, Weight>> =
        LazyLock::new(|| quick_cache::sync::Cache::with_weighter(1024, CAPACITY, Weight));

    pub(super) fn key(scope: &Scope, query: &EntryQuery) -> String {
        format!(
            "{}|{}|{}|{:?}|{query:?}",
            scope.workspace_id, scope.data_version, scope.user_id, scope.role
        )
    }

    pub(super) fn get(key: &str) -> Option<Arc<Page>> {
        CACHE.get(key)
    }

    pub(super) fn keep(
        key: String,
        entries: Vec<app::entries::Entry>,
        next_cursor: Option<String>,
    ) -> Arc<Page> {
        let mut bytes = 64 + next_cursor.as_ref().map_or(0, String::len);
        let pieces = entries
            .into_iter()
            .map(|e| {
                let e = TimeEntry::from(e);
                if e.end.is_none() {
                    bytes += 512;
                    return Piece::Running(e);
                }
                let raw = serde_json::value::to_raw_value(&e)
                    .expect("an entry serialises: plain fields, string map keys");
                bytes += raw.get().len() + 1;
                Piece::Finished(raw)
            })
            .collect();
        let page = Arc::new(Page {
            pieces,
            next_cursor,
            bytes,
        });
        CACHE.insert(key, page.clone());
        page
    }

    impl Page {
        pub(super) fn response(&self, now: DateTime<Utc>) -> Response {
            let mut body = Vec::with_capacity(self.bytes + 1024);
            let out = At { page: self, now };
            serde_json::to_writer(&mut body, &out).expect("a page serialises");
            ([(http::header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    }

    /// The page as the API's `EntryPage` at `now`.
    struct At<'a> {
        page: &'a Page,
        now: DateTime<Utc>,
    }

    struct Data<'a>(&'a At<'a>);

    impl serde::Serialize for At<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut st = s.serialize_struct("EntryPage", 2)?;
            st.serialize_field("data", &Data(self))?;
            st.serialize_field("next_cursor", &self.page.next_cursor)?;
            st.end()
        }
    }

    impl serde::Serialize for Data<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(self.0.page.pieces.len()))?;
            for piece in &self.0.page.pieces {
                match piece {
                    Piece::Finished(raw) => seq.serialize_element(raw)?,
                    Piece::Running(e) => seq.serialize_element(&TimeEntry {
                        duration_secs: (self.0.now - e.start).num_seconds().max(0),
                        tags: e.tags.clone(),
                        description: e.description.clone(),
                        ..*e
                    })?,
                }
            }
            seq.end()
        }
    }
}

#[utoipa::path(get, path = "/time-entries/{id}", operation_id = "getTimeEntry", tag = "time-entries", params(("id" = Uuid, Path)),
    responses((status = 200, body = TimeEntry), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    Extension(ctx): Extension<ApiCtx>,
    Path(raw): Path<String>,
) -> ApiResult<TimeEntry> {
    let id = path_id(&raw, "The time entry")?;
    let e = service::get(&ctx.db, &ctx.scope, id, ctx.now).await?;
    Ok(Json(e.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    #[serde(default)]
    pub description: String,
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub tag_ids: Vec<Uuid>,
    /// Omitted: the project's default.
    pub billable: Option<bool>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Required for entries longer than 24 hours.
    #[serde(default)]
    pub confirm_long: bool,
}

/// Only the fields sent change; `null` clears `project_id`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryChanges {
    pub description: Option<String>,
    #[serde(default, deserialize_with = "super::projects::present")]
    #[schema(value_type = Option<Uuid>)]
    pub project_id: Option<Option<Uuid>>,
    pub tag_ids: Option<Vec<Uuid>>,
    pub billable: Option<bool>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    #[serde(default)]
    pub confirm_long: bool,
    /// Required to change an entry on a sent or paid invoice.
    #[serde(default)]
    pub confirm_invoiced: bool,
}

#[utoipa::path(post, path = "/time-entries", operation_id = "createTimeEntry", tag = "time-entries", request_body = NewEntry,
    responses((status = 201, body = TimeEntry), (status = 422, body = ErrorBody)))]
pub async fn create(
    Extension(ctx): Extension<ApiCtx>,
    ApiJson(body): ApiJson<NewEntry>,
) -> Result<(StatusCode, Json<TimeEntry>), ApiError> {
    let command = service::NewEntry {
        description: body.description,
        project_id: body.project_id,
        tag_ids: body.tag_ids,
        billable: body.billable,
        start: body.start,
        end: body.end,
        confirm_long: body.confirm_long,
    };
    let e = service::create(&ctx.db, &ctx.scope, command, ctx.now).await?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

#[utoipa::path(patch, path = "/time-entries/{id}", operation_id = "updateTimeEntry", tag = "time-entries", params(("id" = Uuid, Path)), request_body = EntryChanges,
    responses((status = 200, body = TimeEntry), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    Extension(ctx): Extension<ApiCtx>,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<EntryChanges>,
) -> ApiResult<TimeEntry> {
    let id = path_id(&raw, "The time entry")?;
    let changes = service::EntryChanges {
        description: body.description,
        project_id: body.project_id,
        tag_ids: body.tag_ids,
        billable: body.billable.map(Some),
        start: body.start,
        end: body.end,
        confirm_long: body.confirm_long,
        confirm_invoiced: body.confirm_invoiced,
        finished_only: true,
    };
    let e = service::update(&ctx.db, &ctx.scope, id, changes, ctx.now).await?;
    Ok(Json(e.into()))
}

#[utoipa::path(delete, path = "/time-entries/{id}", operation_id = "deleteTimeEntry", tag = "time-entries", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    Extension(ctx): Extension<ApiCtx>,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&raw, "The time entry")?;
    service::delete(&ctx.db, &ctx.scope, id, ctx.now).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The token person's running timer, or null.
#[utoipa::path(get, path = "/timer", operation_id = "getTimer", tag = "timer",
    responses((status = 200, body = Option<TimeEntry>)))]
pub async fn timer(Extension(ctx): Extension<ApiCtx>) -> ApiResult<Option<TimeEntry>> {
    let t = app::timer::service::current(&ctx.db, &ctx.scope, ctx.now).await?;
    Ok(Json(t.map(TimeEntry::from)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartTimer {
    #[serde(default)]
    pub description: String,
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub tag_ids: Vec<Uuid>,
    pub billable: Option<bool>,
}

/// Starts a timer now. A person runs one timer at a time: their timer
/// already running, in this workspace or another, is stopped first.
#[utoipa::path(post, path = "/timer/start", operation_id = "startTimer", tag = "timer", request_body = StartTimer,
    responses((status = 201, body = TimeEntry), (status = 422, body = ErrorBody)))]
pub async fn start_timer(
    Extension(ctx): Extension<ApiCtx>,
    ApiJson(body): ApiJson<StartTimer>,
) -> Result<(StatusCode, Json<TimeEntry>), ApiError> {
    let input = TimerInput {
        description: body.description,
        project_id: body.project_id,
        tag_ids: body.tag_ids,
        billable: body.billable,
    };
    let started = app::timer::service::start(&ctx.db, &ctx.scope, input, ctx.now).await?;
    Ok((StatusCode::CREATED, Json(started.entry.into())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StopParams {
    /// Stop only this entry. When another entry runs now (started from
    /// another device), nothing is stopped and the answer is 409.
    pub entry_id: Option<Uuid>,
}

/// Stops the running timer: the finished entry, or null when none ran.
#[utoipa::path(post, path = "/timer/stop", operation_id = "stopTimer", tag = "timer",
    params(StopParams),
    responses((status = 200, body = Option<TimeEntry>),
        (status = 409, description = "`entry_id` is not the running entry; nothing was stopped")))]
pub async fn stop_timer(
    Extension(ctx): Extension<ApiCtx>,
    uri: Uri,
) -> ApiResult<Option<TimeEntry>> {
    use app::timer::Stopped;
    let q: StopParams = query(&uri)?;
    match app::timer::service::stop(&ctx.db, &ctx.scope, q.entry_id, ctx.now).await? {
        Stopped::Entry(e) => Ok(Json(Some(e.into()))),
        Stopped::AlreadyStopped if q.entry_id.is_none() => Ok(Json(None)),
        other => Err(app::error::Error::Conflict(other.message().unwrap_or_default()).into()),
    }
}
