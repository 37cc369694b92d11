//! The public API at `/api/v1`: bearer tokens and `X-Workspace-Id`, JSON in
//! and out, errors as `{"error": {"code", "message"}}`. Handlers are thin
//! adapters over the same domain services as the UI's server functions.
//! Cookies are not read here, and the UI's server functions never read a
//! bearer token (security.md C3, K5).

use crate::{AppState, Clock};
use app::api_tokens::{service as tokens, TokenScope};
use app::error::{AppError, Error};
use app::tenant::Scope;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use uuid::Uuid;

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

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
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

/// The `/api/v1` router, with its own authentication in front of every route.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/me", get(me))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), authenticate));
    Router::new().nest(PREFIX, routes)
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

/// The checks of security.md K5, in the order the API documents them.
async fn authenticate(
    State(state): State<AppState>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    match check(&state.db, &state.clock, &mut req).await {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn check(
    db: &DatabaseConnection,
    clock: &Clock,
    req: &mut Request<Body>,
) -> Result<(), ApiError> {
    let now = clock();
    let headers = req.headers();
    let raw = bearer(headers).ok_or_else(unauthorized)?;
    let token = match tokens::find_live(db, raw, now).await? {
        Ok(t) => t,
        Err(why) => {
            tracing::info!(?why, "API token refused");
            return Err(invalid_token());
        }
    };
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
    let scope = match tokens::scope_of(db, &token).await? {
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
    tokens::touch(db, &token, now).await?;
    req.extensions_mut().insert(ApiCtx {
        db: db.clone(),
        scope,
        token_id: token.id,
        token_name: token.name,
        token_scope,
        token_expires_at: token.expires_at,
        now,
    });
    Ok(())
}

#[derive(Serialize)]
pub struct Me {
    pub user: MeUser,
    pub workspace: MeWorkspace,
    pub role: app::types::Role,
    pub token: MeToken,
}

#[derive(Serialize)]
pub struct MeUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

#[derive(Serialize)]
pub struct MeWorkspace {
    pub id: Uuid,
    pub name: String,
    pub plan: app::types::Plan,
    pub billing_status: app::types::BillingStatus,
}

#[derive(Serialize)]
pub struct MeToken {
    pub id: Uuid,
    pub name: String,
    pub scope: TokenScope,
    pub expires_at: Option<DateTime<Utc>>,
}

/// `GET /me`: the token's person and workspace, role, plan and billing status.
async fn me(Extension(ctx): Extension<ApiCtx>) -> ApiResult<Me> {
    let (user, workspace) =
        app::workspaces::service::person_and_workspace(&ctx.db, &ctx.scope).await?;
    Ok(Json(Me {
        user: MeUser {
            id: user.0,
            name: user.1,
            email: user.2,
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
