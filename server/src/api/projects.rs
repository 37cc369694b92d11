//! `/projects`: list, create, get, update (archive through `archived`),
//! delete (`?keep_entries=true` when it has time entries).

use super::{path_id, query, ApiCtx, ApiError, ApiJson, ApiResult, ArchivedParam, ErrorBody};
use app::projects::{service, ProjectInput};
use axum::extract::Path;
use axum::http::{StatusCode, Uri};
use axum::{Extension, Json};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The colour a project gets when none is given.
const DEFAULT_COLOR: &str = "#4f46e5";

#[derive(Serialize, ToSchema)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub client_id: Option<Uuid>,
    /// `#rrggbb`.
    pub color: String,
    /// New entries on this project are billable by default.
    pub billable: bool,
    /// Cents per hour; null uses the workspace's default rate.
    pub hourly_rate_cents: Option<i64>,
    pub archived: bool,
}

impl From<app::types::Project> for Project {
    fn from(p: app::types::Project) -> Self {
        Project {
            id: p.id,
            name: p.name,
            client_id: p.client_id,
            color: p.color,
            billable: p.billable,
            hourly_rate_cents: p.hourly_rate_cents,
            archived: p.archived,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    pub name: String,
    pub client_id: Option<Uuid>,
    pub color: Option<String>,
    #[serde(default)]
    pub billable: bool,
    pub hourly_rate_cents: Option<i64>,
}

/// Only the fields sent change; `null` clears `client_id` and `hourly_rate_cents`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectChanges {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub client_id: Option<Option<Uuid>>,
    pub color: Option<String>,
    pub billable: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub hourly_rate_cents: Option<Option<i64>>,
    pub archived: Option<bool>,
}

/// A field that was sent, even as `null`.
pub(super) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn rate_text(cents: Option<i64>) -> String {
    match cents {
        None => String::new(),
        Some(c) if c < 0 => format!("{c}"),
        Some(c) => format!("{}.{:02}", c / 100, c % 100),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteParams {
    /// Delete even when the project has time entries; they stay, without a project.
    pub keep_entries: Option<bool>,
}

#[utoipa::path(get, path = "/projects", operation_id = "listProjects", tag = "projects", params(ArchivedParam),
    responses((status = 200, body = [Project]), (status = 401, body = ErrorBody)))]
pub async fn list(Extension(ctx): Extension<ApiCtx>, uri: Uri) -> ApiResult<Vec<Project>> {
    let p: ArchivedParam = query(&uri)?;
    let list = service::list(&ctx.db, &ctx.scope, p.filter()?).await?;
    Ok(Json(list.into_iter().map(Project::from).collect()))
}

#[utoipa::path(post, path = "/projects", operation_id = "createProject", tag = "projects", request_body = NewProject,
    responses((status = 201, body = Project), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    Extension(ctx): Extension<ApiCtx>,
    ApiJson(body): ApiJson<NewProject>,
) -> Result<(StatusCode, Json<Project>), ApiError> {
    let input = ProjectInput {
        name: body.name,
        client_id: body.client_id,
        color: body.color.unwrap_or_else(|| DEFAULT_COLOR.into()),
        billable: body.billable,
        hourly_rate: rate_text(body.hourly_rate_cents),
        archived: false,
    };
    let p = service::save(&ctx.db, &ctx.scope, None, input, ctx.now).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

#[utoipa::path(get, path = "/projects/{id}", operation_id = "getProject", tag = "projects", params(("id" = Uuid, Path)),
    responses((status = 200, body = Project), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    Extension(ctx): Extension<ApiCtx>,
    Path(id): Path<String>,
) -> ApiResult<Project> {
    let m = service::get(&ctx.db, &ctx.scope, path_id(&id, "The project")?).await?;
    Ok(Json(Project {
        id: m.id,
        name: m.name,
        client_id: m.client_id,
        color: m.color,
        billable: m.billable,
        hourly_rate_cents: m.hourly_rate_cents,
        archived: m.archived_at.is_some(),
    }))
}

#[utoipa::path(patch, path = "/projects/{id}", operation_id = "updateProject", tag = "projects", params(("id" = Uuid, Path)), request_body = ProjectChanges,
    responses((status = 200, body = Project), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    Extension(ctx): Extension<ApiCtx>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ProjectChanges>,
) -> ApiResult<Project> {
    let id = path_id(&id, "The project")?;
    let cur = service::get(&ctx.db, &ctx.scope, id).await?;
    let input = ProjectInput {
        name: body.name.unwrap_or(cur.name),
        client_id: body.client_id.unwrap_or(cur.client_id),
        color: body.color.unwrap_or(cur.color),
        billable: body.billable.unwrap_or(cur.billable),
        hourly_rate: rate_text(body.hourly_rate_cents.unwrap_or(cur.hourly_rate_cents)),
        archived: body.archived.unwrap_or(cur.archived_at.is_some()),
    };
    let p = service::save(&ctx.db, &ctx.scope, Some(id), input, ctx.now).await?;
    Ok(Json(p.into()))
}

#[utoipa::path(delete, path = "/projects/{id}", operation_id = "deleteProject", tag = "projects", params(("id" = Uuid, Path), DeleteParams),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, description = "The project has time entries and keep_entries was not set", body = ErrorBody)))]
pub async fn delete(
    Extension(ctx): Extension<ApiCtx>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<StatusCode, ApiError> {
    let p: DeleteParams = query(&uri)?;
    service::delete(
        &ctx.db,
        &ctx.scope,
        path_id(&id, "The project")?,
        p.keep_entries.unwrap_or(false),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
