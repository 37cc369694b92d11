//! What a request carries into the domain: the database, the settings, the
//! client's address and user agent, the session (if any), and the time the
//! request arrived. The server's middleware builds it once per request;
//! server functions read it here, and [`scoped`] is how they call the
//! domain. This module sits below every domain module and imports none.

use crate::error::{AppError, Error};
use crate::settings::Settings;
use crate::tenant::Scope;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use uuid::Uuid;

/// The signed-in person behind a request (`auth::sessions` reads it from
/// the cookie). Server-only (not `Serialize`).
#[derive(Clone, Debug)]
pub struct AuthSession {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub timezone: String,
    pub current_workspace_id: Option<Uuid>,
    /// The person's scope in the current workspace, read in the same
    /// statement as the session: `None` when there is no current workspace
    /// or they are no longer a member of it. A snapshot of the request's
    /// start: not for use after changing the current workspace.
    pub scope: Option<Scope>,
}

impl AuthSession {
    /// The person's timezone, for days and clock times.
    pub fn tz(&self) -> chrono_tz::Tz {
        crate::periods::zone(&self.timezone)
    }
}

#[derive(Clone)]
pub struct RequestCtx {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    /// From the TCP peer, or `X-Forwarded-For` when the peer is a trusted proxy.
    pub client_ip: String,
    pub user_agent: String,
    pub session: Option<AuthSession>,
    pub now: DateTime<Utc>,
    /// For work that goes on after the request has been answered.
    pub background: Background,
}

/// What work that outlives its request (an import job) needs from the
/// server: the server's clock, and a way to tell this instance's open
/// pages that a workspace's data changed when the work ends. (On
/// PostgreSQL a trigger tells every instance; on SQLite the request's own
/// check ran before the work finished.)
#[derive(Clone)]
pub struct Background {
    pub clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    pub changed: Arc<dyn Fn(Uuid) + Send + Sync>,
}

impl RequestCtx {
    pub fn session(&self) -> Result<&AuthSession, Error> {
        self.session.as_ref().ok_or(Error::Unauthenticated)
    }
}

/// The current request's context, inside a server function or SSR render.
pub fn request() -> Result<RequestCtx, AppError> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestCtx>().cloned())
        .ok_or_else(|| {
            tracing::error!("request context missing: is the context middleware installed?");
            AppError::Internal
        })
}

/// Turns a domain error into what the browser sees, setting the HTTP status.
pub fn reply(e: Error) -> AppError {
    let app: AppError = e.into();
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(app.status()) {
            opts.set_status(status);
        }
        if let AppError::RateLimited { retry_after_secs }
        | AppError::SecondFactorLocked { retry_after_secs }
        | AppError::Busy { retry_after_secs } = &app
        {
            opts.insert_header(http::header::RETRY_AFTER, (*retry_after_secs).into());
        }
    }
    app
}

/// Adds a `Set-Cookie` header to the server function's response.
pub fn set_cookie(value: &str) {
    if let (Some(opts), Ok(v)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        opts.append_header(http::header::SET_COOKIE, v);
    }
}

/// The value of a cookie sent with the current request.
pub fn cookie(name: &str) -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|h| h.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// Marks a response as not for caches (secrets, personal data).
pub fn no_store() {
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
    }
}

/// The scope of the signed-in person's current workspace: usually read
/// with the session itself, else resolved (see [`crate::tenant::session_scope`]).
pub async fn current_scope(ctx: &RequestCtx) -> Result<Scope, Error> {
    let session = ctx.session()?;
    if let Some(scope) = &session.scope {
        return Ok(scope.clone());
    }
    crate::tenant::session_scope(
        &ctx.db,
        session.session_id,
        session.user_id,
        session.current_workspace_id,
    )
    .await
}

/// The usual server function body: the request's context and the scope of
/// the person's current workspace go into a domain call, and its error
/// becomes what the browser sees.
pub async fn scoped<T, Fut>(f: impl FnOnce(RequestCtx, Scope) -> Fut) -> Result<T, AppError>
where
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let ctx = request()?;
    let scope = current_scope(&ctx).await.map_err(reply)?;
    f(ctx, scope).await.map_err(reply)
}

/// [`scoped`] for calls that read days and clock times in the person's
/// timezone, which comes third.
pub async fn zoned<T, Fut>(
    f: impl FnOnce(RequestCtx, Scope, chrono_tz::Tz) -> Fut,
) -> Result<T, AppError>
where
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let ctx = request()?;
    let scope = current_scope(&ctx).await.map_err(reply)?;
    let tz = ctx.session().map_err(reply)?.tz();
    f(ctx, scope, tz).await.map_err(reply)
}
