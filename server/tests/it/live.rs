//! Live updates (`GET /events`): a change made anywhere reaches the
//! person's open streams, on this instance or (PostgreSQL) another, and a
//! revoked session's streams end.

use crate::common::*;
use app::active_sessions::LogOutOtherSessions;
use app::auth::{SignIn, SignOut};
use app::timer::{CurrentTimer, StopTimer};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::json;
use std::time::Duration;
use tower::ServiceExt;

/// What the issue promises: other pages update within two seconds.
const WITHIN: Duration = Duration::from_secs(2);

/// An open event stream, read one event at a time.
struct Stream {
    body: Body,
    buf: String,
}

impl Stream {
    async fn open(router: &Router, c: &Client) -> Stream {
        let mut req = Request::get("/events").header(header::ACCEPT, "text/event-stream");
        if let Some(cookie) = &c.cookie {
            req = req.header(header::COOKIE, cookie);
        }
        let mut req = req.body(Body::empty()).unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(c.ip));
        let res = router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
        let mut s = Stream {
            body: res.into_body(),
            buf: String::new(),
        };
        assert_eq!(s.next(WITHIN).await, Some(("hello".into(), "ready".into())));
        s
    }

    /// The next event (`event`, `data`) within `wait`; `None` when none
    /// came or the stream ended. Comments (keep-alives) are skipped.
    async fn next(&mut self, wait: Duration) -> Option<(String, String)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                // As a browser does: an event without data is not an event.
                match event {
                    Some(e) if !data.is_empty() => return Some((e, data)),
                    _ => continue,
                }
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame()).await;
            match frame {
                Ok(Some(Ok(f))) => {
                    if let Ok(bytes) = f.into_data() {
                        self.buf.push_str(&String::from_utf8_lossy(&bytes));
                    }
                }
                _ => return None,
            }
        }
    }

    /// Whether the server closed the stream within `wait`.
    async fn closed(&mut self, wait: Duration) -> bool {
        matches!(
            tokio::time::timeout(wait, self.body.frame()).await,
            Ok(None)
        )
    }
}

/// The router a second server would be: another instance on PostgreSQL,
/// where instances share the database; SQLite runs as one instance.
async fn elsewhere(app: &TestApp) -> Router {
    if is_postgres() {
        app.another_instance().await
    } else {
        app.router.clone()
    }
}

async fn second_device(app: &TestApp, email: &str) -> Client {
    let mut c = app.client();
    let r = c
        .invoke(SignIn {
            email: email.to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    c
}

#[tokio::test]
async fn a_timer_started_on_one_device_reaches_the_other_and_its_stop_too() {
    let app = spawn().await;
    let (mut phone, email) = app.signed_up("Lena").await;
    let laptop = second_device(&app, &email).await;
    let other_instance = elsewhere(&app).await;
    let mut on_laptop = Stream::open(&other_instance, &laptop).await;
    // Nothing has happened: nothing is sent.
    assert_eq!(on_laptop.next(Duration::from_millis(300)).await, None);

    let r = phone.invoke(new_timer("Live")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let entry_id = r.json()["entry"]["id"].as_str().unwrap().parse().ok();
    assert_eq!(
        on_laptop.next(WITHIN).await,
        Some(("changed".into(), "entries".into()))
    );

    let r = phone.invoke(StopTimer { entry_id }).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        on_laptop.next(WITHIN).await,
        Some(("changed".into(), "entries".into()))
    );
    // A read changes nothing and sends nothing.
    let r = phone.invoke(CurrentTimer {}).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(on_laptop.next(Duration::from_millis(500)).await, None);
}

#[tokio::test]
async fn api_writes_reach_the_stream_and_a_burst_is_sent_once() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Omar").await;
    let ws = owner.workspace_id().await;
    let token = app.team_token(&mut owner, "ReadWrite").await;
    let mut stream = Stream::open(&app.router, &owner).await;
    let mut v1 = ApiClient::new(&app.client(), Some(&token), Some(&ws));
    let r = v1
        .post(
            "/api/v1/timer/start",
            json!({ "description": "From a script" }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    assert_eq!(
        stream.next(WITHIN).await,
        Some(("changed".into(), "entries".into()))
    );
    // Ten writes in quick succession: one or two refetches, not ten.
    for i in 0..10 {
        let r = v1
            .post(
                "/api/v1/time-entries",
                json!({
                    "description": format!("Burst {i}"),
                    "start": format!("2026-11-0{}T09:00:00Z", (i % 9) + 1),
                    "end": format!("2026-11-0{}T10:00:00Z", (i % 9) + 1),
                }),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    let mut seen = 0;
    while stream.next(Duration::from_millis(600)).await.is_some() {
        seen += 1;
    }
    assert!((1..10).contains(&seen), "{seen} events for ten writes");
}

#[tokio::test]
async fn a_revoked_sessions_stream_ends_within_two_seconds_on_any_instance() {
    let app = spawn().await;
    let (mut laptop, email) = app.signed_up("Rosa").await;
    let phone = second_device(&app, &email).await;
    let other_instance = elsewhere(&app).await;
    let mut on_phone = Stream::open(&other_instance, &phone).await;
    let mut on_laptop = Stream::open(&app.router, &laptop).await;

    let r = laptop.invoke(LogOutOtherSessions {}).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        on_phone.next(WITHIN + app::live::SWEEP_EVERY).await,
        Some(("ended".into(), "revoked".into()))
    );
    assert!(on_phone.closed(Duration::from_secs(1)).await);
    // The session that asked keeps its stream.
    assert_eq!(on_laptop.next(Duration::from_millis(1500)).await, None);

    // And signing out ends the laptop's stream too.
    let r = laptop.invoke(SignOut {}).await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.status
    );
    let ended = on_laptop.next(WITHIN + app::live::SWEEP_EVERY).await;
    assert!(matches!(&ended, Some((e, _)) if e == "ended"), "{ended:?}");
}

#[tokio::test]
async fn only_a_signed_in_page_gets_a_stream() {
    let app = spawn().await;
    let mut stranger = app.client();
    let r = stranger.get("/events").await;
    // Not a redirect to the sign-in page: an event stream cannot follow one.
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let mut forged = app.client();
    forged.cookie = Some(format!(
        "{}=not-a-token",
        app.settings.session_cookie_name()
    ));
    assert_eq!(forged.get("/events").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_persons_changes_are_not_sent() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Ada").await;
    let ws = owner.workspace_id().await;
    let (mut member, member_email) = app.signed_up("Ben").await;
    member
        .join(&mut owner, &member_email, &ws, app::types::Role::Member)
        .await;
    let mut owners = Stream::open(&app.router, &owner).await;
    let r = member.invoke(new_timer("Ben's")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    if is_postgres() {
        // PostgreSQL names the person whose entry changed.
        assert_eq!(owners.next(Duration::from_millis(800)).await, None);
    } else {
        // SQLite's doors know the workspace only: a refetch, harmlessly.
        assert_eq!(
            owners.next(WITHIN).await,
            Some(("changed".into(), "entries".into()))
        );
    }
}

#[tokio::test]
async fn one_session_may_hold_only_so_many_streams() {
    let app = spawn().await;
    let (c, _) = app.signed_up("Max").await;
    let mut held = Vec::new();
    for _ in 0..app::live::MAX_STREAMS_PER_SESSION {
        held.push(Stream::open(&app.router, &c).await);
    }
    let mut again = c.clone();
    let r = again.get("/events").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("too many pages open"), "{}", r.body);
    // A closed one makes room.
    held.pop();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _more = Stream::open(&app.router, &c).await;
}

#[tokio::test]
async fn a_stopping_server_ends_its_streams_and_opens_no_more() {
    let app = spawn().await;
    let (c, _) = app.signed_up("Stella").await;
    let mut stream = Stream::open(&app.router, &c).await;
    app.live.close_all();
    // Ended without an `ended` event: the browser simply reconnects.
    assert!(stream.closed(Duration::from_secs(1)).await);
    let mut again = c.clone();
    let r = again.get("/events").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
}
