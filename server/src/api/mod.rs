//! The public API at `/api/v1`: bearer tokens and `X-Workspace-Id`, JSON in
//! and out, errors as `{"error": {"code", "message"}}`. Handlers are thin
//! adapters over the same domain services as the UI's server functions.
//! Cookies are not read here, and the UI's server functions never read a
//! bearer token (security.md C3, K5).

use crate::AppState;
use app::api_tokens::{service as tokens, TokenScope};
use app::error::{AppError, Error};
use app::tenant::Scope;
use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

mod clients;
mod exports;
pub mod failed_lookups;
mod imports;
mod invoices;
mod projects;
mod reports;
mod tags;
mod time_entries;

pub const PREFIX: &str = "/api/v1";

/// What an authenticated API request carries into its handler.
#[derive(Clone)]
pub struct ApiCtx {
    pub db: DatabaseConnection,
    pub scope: Scope,
    pub token_id: Uuid,
    pub token_name: String,
    pub token_scope: TokenScope,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// An API error: status, a stable machine code, a sentence for people, and
/// the field when the input was wrong.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }
}

/// Every error: `{"error": {"code", "message", "field"?}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `invalid_token`, `plan_required`,
    /// `insufficient_scope`, `workspace_read_only`, `validation_failed`, …
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The input field at fault, for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
            },
        };
        let mut res = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = if self.code == "invalid_token" {
                "Bearer error=\"invalid_token\""
            } else {
                "Bearer"
            };
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        res
    }
}

/// Every domain error has one API answer (no wildcard: a new kind of error
/// must be mapped here, as it must in the UI).
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let app: AppError = e.into();
        let status =
            StatusCode::from_u16(app.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = app.to_string();
        let (code, field, retry_after) = match &app {
            AppError::Unauthenticated => ("unauthorized", None, None),
            AppError::Forbidden(_) => ("forbidden", None, None),
            AppError::NotFound(_) => ("not_found", None, None),
            AppError::Invalid { field, .. } => ("validation_failed", field.clone(), None),
            AppError::Conflict(_) => ("conflict", None, None),
            AppError::WorkspaceReadOnly => ("workspace_read_only", None, None),
            AppError::PlanRequired => ("plan_required", None, None),
            AppError::RateLimited { retry_after_secs }
            | AppError::SecondFactorLocked { retry_after_secs } => {
                ("rate_limited", None, Some(*retry_after_secs))
            }
            AppError::Internal => ("internal", None, None),
            AppError::Busy { retry_after_secs } => ("busy", None, Some(*retry_after_secs)),
            AppError::TooSlow(_) => ("too_slow", None, None),
            AppError::Transport(_) => ("bad_request", None, None),
        };
        ApiError {
            status,
            code,
            message,
            field,
            retry_after,
        }
    }
}

pub type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Timether API",
        version = "1.0.0",
        description = "Every request sends `Authorization: Bearer <token>` and `X-Workspace-Id: <workspace id>`. Times are UTC RFC 3339, durations in seconds. Errors are `{\"error\": {\"code\", \"message\"}}`."
    ),
    servers((url = "/api/v1")),
    modifiers(&Security),
    security(("bearer" = [], "workspace" = [])),
    components(schemas(ErrorBody, ErrorDetail))
)]
struct ApiDoc;

/// `/invoices/{id}.pdf`, served by the `/invoices/{id}` route (see
/// `invoices::get_one`), so documented on its own.
#[derive(OpenApi)]
#[openapi(paths(invoices::pdf))]
struct InvoicePdfDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "workspace",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Workspace-Id"))),
        );
    }
}

/// The routes and the OpenAPI document, made together so that a route
/// cannot exist without its documentation.
pub fn routes_and_doc() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, uploads, doc) = parts();
    (routes.merge(uploads), doc)
}

/// The routes under the ordinary body limit, the upload routes (under the
/// import limit, which they enforce as they read), and the document of
/// both.
fn parts() -> (Router<AppState>, Router<AppState>, utoipa::openapi::OpenApi) {
    let (uploads, uploads_doc) = OpenApiRouter::new()
        .routes(routes!(imports::create))
        .split_for_parts();
    let (routes, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me))
        .routes(routes!(clients::list, clients::create))
        .routes(routes!(clients::get_one, clients::update, clients::delete))
        .routes(routes!(projects::list, projects::create))
        .routes(routes!(
            projects::get_one,
            projects::update,
            projects::delete
        ))
        .routes(routes!(tags::list, tags::create))
        .routes(routes!(tags::get_one, tags::update, tags::delete))
        .routes(routes!(time_entries::list, time_entries::create))
        .routes(routes!(
            time_entries::get_one,
            time_entries::update,
            time_entries::delete
        ))
        .routes(routes!(time_entries::timer))
        .routes(routes!(time_entries::start_timer))
        .routes(routes!(time_entries::stop_timer))
        .routes(routes!(reports::summary))
        .routes(routes!(invoices::list, invoices::create))
        .routes(routes!(invoices::get_one, invoices::update))
        .routes(routes!(exports::backup))
        .routes(routes!(exports::time_entries_csv))
        .routes(routes!(exports::time_entries_pdf))
        .split_for_parts();
    doc.merge(uploads_doc);
    doc.merge(InvoicePdfDoc::openapi());
    (routes, uploads, doc)
}

/// The `/api/v1` router: `openapi.json` is public; every other route,
/// unknown ones included, passes the token checks first.
pub fn router(state: AppState) -> Router {
    let (routes, uploads, doc) = parts();
    let json = Arc::new(doc.to_pretty_json().unwrap_or_default());
    app::api_docs::service::publish(json.to_string());
    let authed = routes
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), authenticate));
    let uploads = uploads.layer(middleware::from_fn_with_state(state.clone(), authenticate));
    let api = Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let json = json.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        json.to_string(),
                    )
                }
            }),
        )
        .merge(authed)
        .layer(RequestBodyLimitLayer::new(state.settings.body_limit_bytes))
        .merge(uploads)
        .layer(middleware::map_response(too_large_as_json))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state);
    Router::new().nest(PREFIX, api)
}

/// The body limit refuses a declared length before any handler runs, in
/// plain text; on the API that answer gets the API's error format too.
async fn too_large_as_json(res: Response) -> Response {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The body is too large.",
        )
        .into_response();
    }
    res
}

/// A JSON body whose rejections answer in the API's error format:
/// 415 without `Content-Type: application/json`, 400 for broken JSON, 413
/// when too large, 422 naming the field for wrong or missing fields.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, state: &S) -> Result<Self, ApiError> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON with \"Content-Type: application/json\".",
            )),
            Err(JsonRejection::JsonDataError(e)) => {
                let text = e.body_text();
                let field = text
                    .split('`')
                    .nth(1)
                    .filter(|f| !f.contains(' '))
                    .map(str::to_string);
                Err(ApiError {
                    field,
                    ..ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "validation_failed",
                        text.trim_start_matches(
                            "Failed to deserialize the JSON body into the target type: ",
                        )
                        .to_string(),
                    )
                })
            }
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!(
                    "The body is not valid JSON ({}).",
                    e.body_text()
                        .trim_start_matches("Failed to parse the request body as JSON: ")
                ),
            )),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The body is too large.",
            )),
            Err(e) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                e.body_text(),
            )),
        }
    }
}

/// An id from the path; anything that is not a UUID is simply not found.
pub fn path_id(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| Error::not_found(what).into())
}

/// Query parameters, with rejections in the API's error format.
pub fn query<T: serde::de::DeserializeOwned>(uri: &axum::http::Uri) -> Result<T, ApiError> {
    serde_urlencoded::from_str(uri.query().unwrap_or_default()).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("The query string is not valid: {e}."),
        )
    })
}

/// `archived=true|false|all` (default false).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArchivedParam {
    /// `false` (default): active only; `true`: archived only; `all`: both.
    pub archived: Option<String>,
}

impl ArchivedParam {
    pub fn filter(&self) -> Result<app::types::ArchiveFilter, ApiError> {
        use app::types::ArchiveFilter;
        match self.archived.as_deref().map(str::trim) {
            None | Some("") | Some("false") => Ok(ArchiveFilter::Active),
            Some("true") => Ok(ArchiveFilter::Archived),
            Some("all") => Ok(ArchiveFilter::All),
            Some(_) => Err(ApiError {
                field: Some("archived".into()),
                ..ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "Use archived=true, archived=false or archived=all.",
                )
            }),
        }
    }
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no such endpoint. Check the path against /api/v1/openapi.json.",
    )
}

fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Send an API token in the Authorization header: \"Authorization: Bearer <token>\".",
    )
}

fn invalid_token() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "The API token is not valid: it may be mistyped, revoked or expired. Create a new token in Workspace settings → API tokens.",
    )
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The checks of security.md K5, in the order the API documents them, and
/// the per-token rate limit, whose state every response reports.
async fn authenticate(
    State(state): State<AppState>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let mut window = None;
    let mut res = match check(&state, &mut req, &mut window).await {
        Ok(()) => {
            // A write's workspace and data version as it began (live updates).
            let wrote = is_write(req.method())
                .then(|| req.extensions().get::<ApiCtx>())
                .flatten()
                .map(|c| (c.scope.workspace_id, c.scope.data_version));
            let res = next.run(req).await;
            if let Some((workspace_id, before)) = wrote {
                state
                    .live
                    .after_request(state.sqlite_reads.as_deref(), workspace_id, before)
                    .await;
            }
            res
        }
        Err(e) => e.into_response(),
    };
    if let Some(w) = window {
        let limit = state.settings.api_rate_limit_per_minute;
        let h = res.headers_mut();
        h.insert("ratelimit-limit", limit.into());
        h.insert("ratelimit-remaining", (limit - w.hits).max(0).into());
        h.insert("ratelimit-reset", w.reset_secs.into());
    }
    res
}

async fn check(
    state: &AppState,
    req: &mut Request<Body>,
    window: &mut Option<app::rate_limit::Window>,
) -> Result<(), ApiError> {
    let db = &state.db;
    let now = (state.clock)();
    let headers = req.headers();
    let raw = bearer(headers).ok_or_else(unauthorized)?;
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let addr = app::rate_limit::address_bucket(&crate::client_ip(
        peer,
        headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()),
        &state.settings.trusted_proxies,
    ));
    if let Some(wait) = state.failed_lookups.refused(&addr, now.timestamp()) {
        return Err(ApiError {
            retry_after: Some(wait),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many requests with tokens that are not valid came from your address. Try again in {wait} seconds."),
            )
        });
    }
    let live = match tokens::find_live(db, raw, now).await? {
        Ok(t) => t,
        Err(why) => {
            tracing::info!(?why, "API token refused");
            state.failed_lookups.failed(&addr, now.timestamp());
            return Err(invalid_token());
        }
    };
    let token = &live.token;
    let limit = state.settings.api_rate_limit_per_minute;
    let w = state
        .api_leases
        .count(db, &format!("api:token:{}", token.id), limit, 60, now)
        .await?;
    *window = Some(w);
    if w.hits > limit {
        return Err(ApiError {
            retry_after: Some(w.reset_secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "This token may make {limit} requests a minute. Try again in {} seconds.",
                    w.reset_secs
                ),
            )
        });
    }
    let workspace_id = headers
        .get("x-workspace-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Uuid::parse_str(v.trim()).ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "workspace_id_required",
                "Send the workspace's id in the X-Workspace-Id header.",
            )
        })?;
    if workspace_id != token.workspace_id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_workspace",
            "This token belongs to another workspace. Use a token created in this workspace.",
        ));
    }
    let scope = match tokens::scope_of(&live) {
        Ok(s) => s,
        Err(why) => {
            tracing::info!(?why, token_id = %token.id, "API token refused");
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "The person who created this token is no longer a member of this workspace.",
            ));
        }
    };
    if !tokens::plan_allows(scope.plan) {
        return Err(Error::PlanRequired.into());
    }
    let token_scope = TokenScope::parse(&token.scope).unwrap_or(TokenScope::ReadOnly);
    if is_write(req.method()) {
        if token_scope != TokenScope::ReadWrite {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                "This token is read-only. Create a read-and-write token to make changes.",
            ));
        }
        scope.writable()?;
    }
    tokens::touch(db, token, now).await?;
    req.extensions_mut().insert(ApiCtx {
        db: db.clone(),
        scope,
        token_id: token.id,
        token_name: token.name.clone(),
        token_scope,
        token_expires_at: token.expires_at,
        now,
    });
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user: MeUser,
    pub workspace: MeWorkspace,
    /// Owner, Admin or Member: the token acts with this role.
    #[schema(value_type = String, example = "Owner")]
    pub role: app::types::Role,
    pub token: MeToken,
}

#[derive(Serialize, ToSchema)]
pub struct MeUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeWorkspace {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = String, example = "Team")]
    pub plan: app::types::Plan,
    /// `Active`, or `ReadOnly` while billing blocks writes.
    #[schema(value_type = String, example = "Active")]
    pub billing_status: app::types::BillingStatus,
}

#[derive(Serialize, ToSchema)]
pub struct MeToken {
    pub id: Uuid,
    pub name: String,
    /// `ReadOnly` or `ReadWrite`.
    #[schema(value_type = String, example = "ReadOnly")]
    pub scope: TokenScope,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The token's person and workspace, role, plan and billing status.
#[utoipa::path(get, path = "/me", operation_id = "getMe", tag = "me",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn me(Extension(ctx): Extension<ApiCtx>) -> ApiResult<Me> {
    let (user, workspace) =
        app::workspaces::service::person_and_workspace(&ctx.db, &ctx.scope).await?;
    Ok(Json(Me {
        user: MeUser {
            id: user.id,
            name: user.name,
            email: user.email,
        },
        workspace: MeWorkspace {
            id: workspace.id,
            name: workspace.name,
            plan: workspace.plan,
            billing_status: workspace.billing_status,
        },
        role: ctx.scope.role,
        token: MeToken {
            id: ctx.token_id,
            name: ctx.token_name,
            scope: ctx.token_scope,
            expires_at: ctx.token_expires_at,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer tmt_abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("tmt_abc"));
        h.insert(header::AUTHORIZATION, "bearer tmt_abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("tmt_abc"));
        for bad in [
            "Basic dXNlcjpwYXNz",
            "Bearer",
            "Bearer ",
            "tmt_abc",
            "Bearer a b",
        ] {
            h.insert(header::AUTHORIZATION, bad.parse().unwrap());
            assert_eq!(bearer(&h), None, "{bad}");
        }
    }

    #[test]
    fn reads_and_writes() {
        assert!(!is_write(&Method::GET));
        assert!(is_write(&Method::POST));
        assert!(is_write(&Method::PATCH));
        assert!(is_write(&Method::DELETE));
    }
}
