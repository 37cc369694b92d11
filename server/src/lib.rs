//! The Timether HTTP server: the axum router around the Leptos app, and the
//! middleware every request passes (security headers, body limit, CSRF,
//! request context with the session, sign-in redirects).
#![recursion_limit = "512"]

pub mod api;
pub mod cli;
pub mod downloads;
pub mod events;
pub mod seed;
pub mod uploads;

use app::auth::sessions::{self, Presented};
use app::context::RequestCtx;
use app::settings::Settings;
use app::shell::PageData;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sea_orm::DatabaseConnection;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// Server functions live under this prefix, apart from the public `/api/v1`.
pub const RPC_PREFIX: &str = "/rpc/";

/// Where request handling reads the time: the system clock in production,
/// a clock the test controls in tests (TOTP steps, expiries, lockouts).
pub type Clock = Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>;

/// The system clock: the one place the real time is read. `clippy.toml`
/// refuses `Utc::now` and `SystemTime::now` everywhere else, so domain code
/// takes the time it is given and tests can move it.
#[allow(clippy::disallowed_methods)]
pub fn system_clock() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// What every handler shares. Axum clones it for each middleware and
/// handler of every request, so it is one `Arc`: cloning the fields one by
/// one took ten atomic counts each way, about 3 % of a list request's time.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// [`AppState`]'s fields.
pub struct Shared {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// This instance's reserved blocks of the per-token API limit.
    pub api_leases: Arc<app::rate_limit::Leases>,
    /// SQLite's direct read path for the session check (`None` on PostgreSQL).
    pub sqlite_reads: Option<Arc<app::db::direct::SqliteReads>>,
    /// Where the browser bundle is served: `/{site-pkg-dir}/`.
    pub bundle_prefix: Arc<str>,
    /// Bearer tokens that matched nothing, per address (`api::failed_lookups`).
    pub failed_lookups: Arc<api::failed_lookups::FailedLookups>,
    /// This instance's live-update streams (`events`).
    pub live: Arc<app::live::Hub>,
    /// The clock and the live hub, for jobs that outlive their request.
    pub background: app::context::Background,
}

/// The page routes' state: Leptos's options behind one `Arc` for the same
/// reason (axum clones it per request, and Leptos again for each server
/// function's context). Handlers that want the options take them by value.
#[derive(Clone)]
struct Site(Arc<LeptosOptions>);

impl axum::extract::FromRef<Site> for LeptosOptions {
    fn from_ref(site: &Site) -> Self {
        LeptosOptions::clone(&site.0)
    }
}

/// Builds the whole application router.
pub fn router(
    db: DatabaseConnection,
    settings: Arc<Settings>,
    leptos_options: LeptosOptions,
) -> Router {
    router_with_clock(db, settings, leptos_options, Arc::new(system_clock))
}

/// The router with the time read from `clock`.
pub fn router_with_clock(
    db: DatabaseConnection,
    settings: Arc<Settings>,
    leptos_options: LeptosOptions,
    clock: Clock,
) -> Router {
    let live = app::live::Hub::new(db.clone(), settings.clone(), clock.clone());
    router_with_hub(db, settings, leptos_options, clock, live)
}

/// The router with its live-update hub given (the server ends the hub's
/// streams when it stops: `Hub::close_all`).
pub fn router_with_hub(
    db: DatabaseConnection,
    settings: Arc<Settings>,
    leptos_options: LeptosOptions,
    clock: Clock,
    live: Arc<app::live::Hub>,
) -> Router {
    let hub = live.clone();
    let background = app::context::Background {
        clock: clock.clone(),
        changed: Arc::new(move |workspace_id| {
            hub.deliver(app::live::Change {
                workspace_id,
                user_id: None,
            })
        }),
    };
    let state = AppState(Arc::new(Shared {
        db,
        settings: settings.clone(),
        clock,
        background,
        api_leases: Arc::default(),
        sqlite_reads: app::db::direct::SqliteReads::for_url(&settings.database_url).map(Arc::new),
        bundle_prefix: format!("/{}/", leptos_options.site_pkg_dir).into(),
        failed_lookups: Arc::default(),
        live,
    }));
    let api_routes = api::router(state.clone());
    let routes = generate_route_list(app::App);
    let shell_options = leptos_options.clone();
    let site = Site(Arc::new(leptos_options.clone()));
    let pkg_dir = std::path::Path::new(leptos_options.site_root.as_ref())
        .join(leptos_options.site_pkg_dir.as_ref());
    let app_routes = Router::new()
        .route(
            "/exports/backup",
            axum::routing::get(downloads::session_backup),
        )
        .route(
            "/exports/time-entries.csv",
            axum::routing::get(downloads::session_time_csv),
        )
        .route(
            "/exports/time-entries.pdf",
            axum::routing::get(downloads::session_time_pdf),
        )
        .route(
            "/exports/invoices/{id}",
            axum::routing::get(downloads::session_invoice_pdf),
        )
        .nest_service(
            state.bundle_prefix.trim_end_matches('/'),
            bundle_service(&pkg_dir),
        )
        .leptos_routes_with_context(&site, routes, leptos::nonce::provide_nonce, move || {
            app::shell(shell_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<Site, _>(app::shell))
        .with_state(site);

    let app_routes = app_routes
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_context,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), csrf_guard))
        .layer(RequestBodyLimitLayer::new(settings.body_limit_bytes));
    // Uploads enforce the (larger) import limit themselves, as they read.
    let upload_routes = Router::new()
        .route("/imports", axum::routing::post(uploads::session_import))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_context,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), csrf_guard));
    // The live stream, with the session check of every cookie route.
    let event_routes = Router::new()
        .route(events::PATH, axum::routing::get(events::stream))
        .with_state(state.clone())
        .layer(middleware::from_fn_with_state(state, request_context));
    let app_routes = upload_routes.merge(event_routes).merge(app_routes);
    // The API router sets its own body limit, answering in its error format.
    // One render queue per instance: PDFs are CPU work (see `RenderLimits`).
    let pdf_limits = app::typeset::RenderLimits::new(
        settings.pdf_renders_at_once,
        std::time::Duration::from_secs(settings.pdf_render_timeout_secs),
    );
    guard_panics(api_routes.merge(app_routes))
        .layer(axum::Extension(pdf_limits))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'",
            ),
        ))
}

/// Answers a panicking request with [`panic_answer`].
pub fn guard_panics(router: Router) -> Router {
    router.layer(tower_http::catch_panic::CatchPanicLayer::custom(
        panic_answer,
    ))
}

/// A panic in a handler is a bug: it is logged with its message and the
/// request gets a 500 with a sentence, in the API's error format, instead of
/// a dropped connection.
fn panic_answer(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"error":{"code":"internal","message":"Something went wrong on our side. Please try again; if it keeps happening, tell your administrator."}}"#,
    )
        .into_response()
}

/// The browser bundle straight from its folder: a file that is not there is
/// a plain 404, never a rendered page. Where the build left a Brotli (`.br`)
/// or gzip (`.gz`) copy beside a file (scripts/precompress.sh), a browser
/// that accepts it gets the copy, Brotli first. A copy older than its file
/// is from an earlier build: it is removed here, when the server starts
/// (copies are matched to files by time, not content: deploy the bundle's
/// folder as the build left it, or rerun scripts/precompress.sh).
pub fn bundle_service(dir: &std::path::Path) -> tower_http::services::ServeDir {
    remove_stale_copies(dir);
    tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
}

fn remove_stale_copies(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    for entry in entries.flatten() {
        let copy = entry.path();
        if copy.is_dir() {
            remove_stale_copies(&copy);
            continue;
        }
        if !matches!(copy.extension().and_then(|e| e.to_str()), Some("gz" | "br")) {
            continue;
        }
        let file = copy.with_extension("");
        let fresh = matches!((modified(&file), modified(&copy)), (Some(f), Some(c)) if c >= f);
        if !fresh {
            tracing::warn!(copy = %copy.display(), "removing a compressed copy older than its file");
            if let Err(e) = std::fs::remove_file(&copy) {
                tracing::error!(copy = %copy.display(), error = %e, "could not remove a stale compressed copy");
            }
        }
    }
}

/// The client's address: the TCP peer, or the nearest untrusted hop of
/// `X-Forwarded-For` when the peer is a configured proxy (security.md S6).
pub fn client_ip(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> String {
    let Some(peer) = peer else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let hops: Vec<IpAddr> = forwarded_for
        .unwrap_or_default()
        .split(',')
        .filter_map(|h| h.trim().parse().ok())
        .collect();
    hops.iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .copied()
        .unwrap_or(peer)
        .to_string()
}

/// The files of `public/`, served from the site root to anyone. Only these
/// names count: a path that merely ends like a file (`/invoices/x.css`) is a
/// page, rendered for the person signed in and never cacheable.
pub const PUBLIC_FILES: &[&str] = &["/favicon.svg"];

fn is_public_path(path: &str, bundle_prefix: &str) -> bool {
    path == "/signin"
        || path == "/signup"
        || path == events::PATH
        || path.starts_with(RPC_PREFIX)
        || path.starts_with(bundle_prefix)
        || path.starts_with("/api/")
        || PUBLIC_FILES.contains(&path)
}

/// `/signin`, with the page to return to after signing in (`next`, read
/// back by `app::auth::safe_next`) and whether the session was revoked.
fn signin_url(next: Option<String>, revoked: bool) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(next) = next.filter(|n| app::auth::safe_next(n).is_some() && n != "/") {
        pairs.push(("next", next));
    }
    if revoked {
        pairs.push(("ended", "revoked".to_string()));
    }
    match serde_urlencoded::to_string(&pairs) {
        Ok(q) if !q.is_empty() => format!("/signin?{q}"),
        _ => "/signin".to_string(),
    }
}

fn path_and_query(req: &Request<Body>) -> String {
    req.uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".to_string())
}

fn query_value(req: &Request<Body>, key: &str) -> Option<String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.uri().query().unwrap_or_default()).ok()?;
    pairs.into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Loads the session from its cookie (a database read on every request, so
/// revocation is immediate everywhere), builds the request context, and
/// sends page requests to sign-in when nobody is signed in.
async fn request_context(
    State(state): State<AppState>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let now = (state.clock)();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let headers = req.headers();
    let ip = client_ip(
        peer,
        headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()),
        &state.settings.trusted_proxies,
    );
    let user_agent = headers
        .get(header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| sessions::token_from_cookie_header(&state.settings, h));
    let presented = match token {
        Some(t) => match sessions::authenticate(
            &state.db,
            state.sqlite_reads.as_deref(),
            &state.settings,
            &t,
            now,
        )
        .await
        {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The database is not answering. Please try again in a moment.",
                )
                    .into_response();
            }
        },
        None => Presented::Unknown,
    };
    let revoked = matches!(presented, Presented::Revoked);
    let session = presented.live();

    let path = req.uri().path().to_string();
    if req.method() == Method::GET && !path.starts_with(RPC_PREFIX) {
        let page = !is_public_path(&path, &state.bundle_prefix);
        let auth_page = path == "/signin" || path == "/signup";
        // A revoked session's cookie is cleared once, on the way to a sign-in
        // page that says why; the cookie could not sign anyone in again.
        if revoked && (page || auth_page) {
            let next = if page {
                Some(path_and_query(&req))
            } else {
                query_value(&req, "next")
            };
            let mut res = Redirect::to(&signin_url(next, true)).into_response();
            if let Ok(v) = HeaderValue::from_str(&sessions::cookie(&state.settings, None)) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            return res;
        }
        if session.is_none() && page {
            return Redirect::to(&signin_url(Some(path_and_query(&req)), false)).into_response();
        }
        if session.is_some() && auth_page {
            return Redirect::to("/").into_response();
        }
    }

    let ctx = RequestCtx {
        db: state.db.clone(),
        settings: state.settings.clone(),
        client_ip: ip,
        user_agent: sessions::truncate_bytes(&user_agent, sessions::MAX_USER_AGENT),
        session,
        now,
        background: state.background.clone(),
    };
    // A signed-in page renders with its shell's data already loaded (see
    // `app::shell::PageData`); downloads are not pages.
    if req.method() == Method::GET
        && ctx.session.is_some()
        && !path.starts_with(RPC_PREFIX)
        && !path.starts_with("/exports/")
        && !is_public_path(&path, &state.bundle_prefix)
    {
        let page = PageData::load(&ctx).await;
        req.extensions_mut().insert(page);
    }
    // A write's workspace and data version as it began, for live updates.
    let wrote = (req.method() != Method::GET)
        .then(|| ctx.session.as_ref().and_then(|s| s.scope.as_ref()))
        .flatten()
        .map(|s| (s.workspace_id, s.data_version));
    req.extensions_mut().insert(ctx);
    let mut res = next.run(req).await;
    if let Some((workspace_id, before)) = wrote {
        state
            .live
            .after_request(state.sqlite_reads.as_deref(), workspace_id, before)
            .await;
    }
    if path.starts_with(RPC_PREFIX) && res.status() == StatusCode::INTERNAL_SERVER_ERROR {
        res = arguments_refused_as_bad_request(res).await;
    }
    if path.starts_with(RPC_PREFIX) || !is_public_path(&path, &state.bundle_prefix) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if path.starts_with(&*state.bundle_prefix) {
        // The bundle's files keep their names across releases, and the main
        // WASM, its bindings and the lazy routes' chunks must come from the
        // same build: browsers may keep them, but ask first (304 when unchanged).
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        // The body depends on Accept-Encoding (precompressed copies).
        res.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

/// A server function whose arguments do not decode never reaches our code:
/// server_fn answers `AppError::Transport` with a 500 of its own. It is the
/// request that is wrong, so it becomes a 400 (the body, a sentence naming
/// the field, stays).
async fn arguments_refused_as_bad_request(res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    // Error bodies are a sentence; anything larger is not one of these.
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "could not read a server function's error");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.",
            )
                .into_response();
        }
    };
    if bytes.starts_with(b"{\"Transport\"") {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Refuses cross-site state changes on cookie routes (security.md C1):
/// `Sec-Fetch-Site: cross-site`, a foreign `Origin`, or neither header.
async fn csrf_guard(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe {
        return next.run(req).await;
    }
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let refused = fetch_site == Some("cross-site")
        || origin.is_some_and(|o| !state.settings.origin_allowed(o))
        || (fetch_site.is_none() && origin.is_none());
    if refused {
        tracing::warn!(path = %req.uri().path(), ?origin, ?fetch_site, "cross-site request refused");
        return (
            StatusCode::FORBIDDEN,
            "This request came from another site and was refused. Reload Timether and try again.",
        )
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        // A direct client cannot claim another address.
        assert_eq!(
            client_ip(Some(peer), Some("1.2.3.4"), &[proxy]),
            "203.0.113.9"
        );
        // Through the proxy, the nearest untrusted hop is the client.
        assert_eq!(
            client_ip(Some(proxy), Some("6.6.6.6, 198.51.100.7"), &[proxy]),
            "198.51.100.7"
        );
        assert_eq!(
            client_ip(Some(proxy), Some("garbage"), &[proxy]),
            "10.0.0.2"
        );
        assert_eq!(client_ip(None, None, &[]), "unknown");
    }

    #[test]
    fn static_and_auth_paths_are_public() {
        assert!(is_public_path("/signin", "/pkg/"));
        assert!(is_public_path("/pkg/timether.js", "/pkg/"));
        assert!(is_public_path("/favicon.svg", "/pkg/"));
        assert!(!is_public_path("/", "/pkg/"));
        assert!(!is_public_path("/settings/workspace", "/pkg/"));
        // A page path that looks like a file is still a page (web cache deception).
        assert!(!is_public_path("/invoices/x.css", "/pkg/"));
        assert!(!is_public_path("/entries/a.js", "/pkg/"));
    }

    #[test]
    fn every_file_in_public_is_listed_and_nothing_else() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../public");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| format!("/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        files.sort();
        let mut listed: Vec<String> = PUBLIC_FILES.iter().map(|f| f.to_string()).collect();
        listed.sort();
        assert_eq!(files, listed, "PUBLIC_FILES lists public/");
    }
}
