//! `GET /events`: the signed-in page's stream of live updates
//! (server-sent events; see `app::live`).
//!
//! Events: `hello` when the stream opens (the page refetches, as it may
//! have missed changes while it was away), `changed` when the person's
//! timer or entries may have changed (a burst is sent once), and `ended`
//! with `revoked`, `ended` or `moved` just before the server closes the
//! stream because its session is over or switched workspace. Comments
//! keep idle connections open through proxies.
//!
//! A stream is one request: it counts against no request rate limit and
//! holds no database connection while open.

use crate::AppState;
use app::context::RequestCtx;
use app::live::{Refused, Subscription};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

/// The path of the stream.
pub const PATH: &str = "/events";
/// Changes arriving this soon after one are sent with it, as one.
const GATHER: Duration = Duration::from_millis(100);
/// During a burst (a script writing many entries), `changed` is sent at
/// most this often: each one makes the page load its lists again.
const SPACING: Duration = Duration::from_millis(500);
/// How long a browser waits before reconnecting a dropped stream.
const RETRY: Duration = Duration::from_secs(1);
/// How often an idle stream sends a comment.
const KEEP_ALIVE: Duration = Duration::from_secs(20);

pub async fn stream(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
) -> Response {
    let Some(session) = ctx.session else {
        return (StatusCode::UNAUTHORIZED, "Sign in to receive live updates.").into_response();
    };
    let Some(workspace_id) = session.scope.as_ref().map(|s| s.workspace_id) else {
        // No workspace, nothing to follow; 204 tells the browser not to retry.
        return StatusCode::NO_CONTENT.into_response();
    };
    let sub = match state
        .live
        .subscribe(session.session_id, session.user_id, workspace_id)
    {
        Ok(sub) => sub,
        Err(Refused::TooMany) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                "This session has too many pages open with live updates. Close some and reload.",
            )
                .into_response();
        }
        Err(Refused::Stopping) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "The server is restarting. Live updates resume in a moment.",
            )
                .into_response();
        }
    };
    // Hello only once a write after it cannot go unheard.
    state.live.ready().await;
    let events = futures_util::stream::unfold(Step::Hello(sub), next);
    let mut res = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // nginx would otherwise hold events back in its buffer.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

enum Step {
    Hello(Subscription),
    /// With when `changed` was last sent.
    Listen(Subscription, Option<Instant>),
    Done,
}

async fn next(step: Step) -> Option<(Result<Event, Infallible>, Step)> {
    let (mut sub, last) = match step {
        Step::Hello(sub) => {
            // Browsers drop an event whose data is empty: every event says something.
            let hello = Event::default().event("hello").data("ready").retry(RETRY);
            return Some((Ok(hello), Step::Listen(sub, None)));
        }
        Step::Listen(sub, last) => (sub, last),
        Step::Done => return None,
    };
    loop {
        tokio::select! {
            // The server is stopping: the stream simply ends, and the
            // browser reconnects to whichever instance is there.
            _ = app::live::stopped(&mut sub.stopping) => return None,
            end = app::live::ended(&mut sub.end) => {
                let event = Event::default().event("ended").data(end.as_str());
                return Some((Ok(event), Step::Done));
            }
            change = sub.changes.recv() => match change {
                Ok(c) if !c.concerns(sub.user_id) => continue,
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    let soonest = Instant::now() + GATHER;
                    let at = last.map_or(soonest, |l| soonest.max(l + SPACING));
                    gather(&mut sub, at).await;
                    let event = Event::default().event("changed").data("entries");
                    return Some((Ok(event), Step::Listen(sub, Some(Instant::now()))));
                }
                Err(RecvError::Closed) => return None,
            },
        }
    }
}

/// Waits until `at` and takes what else arrived, so a burst of writes (an
/// import, a bulk edit) is one refetch, not many.
async fn gather(sub: &mut Subscription, at: Instant) {
    use tokio::sync::broadcast::error::TryRecvError;
    tokio::time::sleep_until(at).await;
    while let Ok(_) | Err(TryRecvError::Lagged(_)) = sub.changes.try_recv() {}
}
