//! `/tags`: list, create, get, update, delete. Tags have no archive.

use super::{path_id, ApiCtx, ApiError, ApiJson, ApiResult, ErrorBody};
use app::tags::service;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

const DEFAULT_COLOR: &str = "#64748b";

#[derive(Serialize, ToSchema)]
pub struct Tag {
    pub id: Uuid,
    /// Without the `#` the UI shows.
    pub name: String,
    pub color: String,
}

impl From<app::types::Tag> for Tag {
    fn from(t: app::types::Tag) -> Self {
        Tag {
            id: t.id,
            name: t.name,
            color: t.color,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTag {
    pub name: String,
    pub color: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagChanges {
    pub name: Option<String>,
    pub color: Option<String>,
}

async fn find(ctx: &ApiCtx, id: &str) -> Result<app::types::Tag, ApiError> {
    let id = path_id(id, "The tag")?;
    service::list(&ctx.db, &ctx.scope)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| app::error::Error::not_found("The tag").into())
}

#[utoipa::path(get, path = "/tags", operation_id = "listTags", tag = "tags",
    responses((status = 200, body = [Tag]), (status = 401, body = ErrorBody)))]
pub async fn list(Extension(ctx): Extension<ApiCtx>) -> ApiResult<Vec<Tag>> {
    let list = service::list(&ctx.db, &ctx.scope).await?;
    Ok(Json(list.into_iter().map(Tag::from).collect()))
}

#[utoipa::path(post, path = "/tags", operation_id = "createTag", tag = "tags", request_body = NewTag,
    responses((status = 201, body = Tag), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    Extension(ctx): Extension<ApiCtx>,
    ApiJson(body): ApiJson<NewTag>,
) -> Result<(StatusCode, Json<Tag>), ApiError> {
    let color = body.color.unwrap_or_else(|| DEFAULT_COLOR.into());
    let t = service::save(&ctx.db, &ctx.scope, None, &body.name, &color, ctx.now).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

#[utoipa::path(get, path = "/tags/{id}", operation_id = "getTag", tag = "tags", params(("id" = Uuid, Path)),
    responses((status = 200, body = Tag), (status = 404, body = ErrorBody)))]
pub async fn get_one(Extension(ctx): Extension<ApiCtx>, Path(id): Path<String>) -> ApiResult<Tag> {
    Ok(Json(find(&ctx, &id).await?.into()))
}

#[utoipa::path(patch, path = "/tags/{id}", operation_id = "updateTag", tag = "tags", params(("id" = Uuid, Path)), request_body = TagChanges,
    responses((status = 200, body = Tag), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    Extension(ctx): Extension<ApiCtx>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TagChanges>,
) -> ApiResult<Tag> {
    let cur = find(&ctx, &id).await?;
    let t = service::save(
        &ctx.db,
        &ctx.scope,
        Some(cur.id),
        body.name.as_deref().unwrap_or(&cur.name),
        body.color.as_deref().unwrap_or(&cur.color),
        ctx.now,
    )
    .await?;
    Ok(Json(t.into()))
}

#[utoipa::path(delete, path = "/tags/{id}", operation_id = "deleteTag", tag = "tags", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    Extension(ctx): Extension<ApiCtx>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&ctx.db, &ctx.scope, path_id(&id, "The tag")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
