//! `/clients`: list, create, get, update (rename, archive), delete.

use super::{path_id, query, ApiCtx, ApiError, ApiJson, ApiResult, ArchivedParam, ErrorBody};
use app::clients::service;
use axum::extract::Path;
use axum::http::{StatusCode, Uri};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct Client {
    pub id: Uuid,
    pub name: String,
    pub archived: bool,
}

impl From<app::types::Client> for Client {
    fn from(c: app::types::Client) -> Self {
        Client {
            id: c.id,
            name: c.name,
            archived: c.archived,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    pub name: String,
}

/// Only the fields sent change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientChanges {
    pub name: Option<String>,
    pub archived: Option<bool>,
}

#[utoipa::path(get, path = "/clients", operation_id = "listClients", tag = "clients", params(ArchivedParam),
    responses((status = 200, body = [Client]), (status = 401, body = ErrorBody)))]
pub async fn list(Extension(ctx): Extension<ApiCtx>, uri: Uri) -> ApiResult<Vec<Client>> {
    let p: ArchivedParam = query(&uri)?;
    let list = service::list(&ctx.db, &ctx.scope, p.filter()?).await?;
    Ok(Json(list.into_iter().map(Client::from).collect()))
}

#[utoipa::path(post, path = "/clients", operation_id = "createClient", tag = "clients", request_body = NewClient,
    responses((status = 201, body = Client), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    Extension(ctx): Extension<ApiCtx>,
    ApiJson(body): ApiJson<NewClient>,
) -> Result<(StatusCode, Json<Client>), ApiError> {
    let c = service::create(&ctx.db, &ctx.scope, &body.name, ctx.now).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

#[utoipa::path(get, path = "/clients/{id}", operation_id = "getClient", tag = "clients", params(("id" = Uuid, Path)),
    responses((status = 200, body = Client), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    Extension(ctx): Extension<ApiCtx>,
    Path(id): Path<String>,
) -> ApiResult<Client> {
    let m = service::get(&ctx.db, &ctx.scope, path_id(&id, "The client")?).await?;
    Ok(Json(Client {
        id: m.id,
        name: m.name,
        archived: m.archived_at.is_some(),
    }))
}

#[utoipa::path(patch, path = "/clients/{id}", operation_id = "updateClient", tag = "clients", params(("id" = Uuid, Path)), request_body = ClientChanges,
    responses((status = 200, body = Client), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    Extension(ctx): Extension<ApiCtx>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ClientChanges>,
) -> ApiResult<Client> {
    let id = path_id(&id, "The client")?;
    let cur = service::get(&ctx.db, &ctx.scope, id).await?;
    let c = service::update(
        &ctx.db,
        &ctx.scope,
        id,
        body.name.as_deref().unwrap_or(&cur.name),
        body.archived.unwrap_or(cur.archived_at.is_some()),
        ctx.now,
    )
    .await?;
    Ok(Json(c.into()))
}

/// Deletes a client; its projects stay, without a client.
#[utoipa::path(delete, path = "/clients/{id}", operation_id = "deleteClient", tag = "clients", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    Extension(ctx): Extension<ApiCtx>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&ctx.db, &ctx.scope, path_id(&id, "The client")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
