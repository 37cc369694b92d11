//! The shell of every signed-in page (top bar, timer bar, pickers) and
//! the data it shows, loaded once per page request before rendering.

use crate::context::RequestCtx;
use crate::error::AppError;
use leptos::prelude::*;

/// What the shell of every signed-in page shows (who is signed in, the
/// pickers' catalogue, the running timer), loaded by the server's middleware
/// before the page renders (`timether_server::request_context`).
///
/// The shell's resources take these as values that are ready at once
/// ([`page_data`]), so on the server no part of the page waits for them.
/// Several boundaries each awaiting one pending resource (the top bar, the
/// read-only banner and the page all read who is signed in; the timer bar
/// and the entry filters read the catalogue) could leave a server-rendered
/// page unfinished (leptos-rs/leptos#4851).
#[derive(Clone)]
pub struct PageData {
    pub me: Result<crate::types::Me, AppError>,
    pub catalog: Result<crate::catalog::Catalog, AppError>,
    pub timer: Result<Option<crate::entries::TimeEntry>, AppError>,
}

impl PageData {
    pub async fn load(ctx: &RequestCtx) -> PageData {
        // One scope for all three: resolving it may cost statements (a
        // session without a current workspace picks and stores one).
        let scope = match crate::context::current_scope(ctx).await {
            Ok(scope) => scope,
            Err(e) => {
                let e = AppError::from(e);
                return PageData {
                    me: Err(e.clone()),
                    catalog: Err(e.clone()),
                    timer: Err(e),
                };
            }
        };
        let me = crate::auth::service::me_in(ctx, &scope)
            .await
            .map_err(AppError::from);
        let catalog = crate::catalog::load(&ctx.db, &scope)
            .await
            .map_err(AppError::from);
        let timer = match ctx.session() {
            Ok(session) => crate::timer::service::current(&ctx.db, &scope, ctx.now)
                .await
                .map(|e| e.map(|e| crate::entries::TimeEntry::of(e, session.tz())))
                .map_err(AppError::from),
            Err(e) => Err(AppError::from(e)),
        };
        PageData { me, catalog, timer }
    }
}

/// The shell's data the middleware loaded for this page request, if it did.
pub fn page_data() -> Option<PageData> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageData>().cloned())
}
