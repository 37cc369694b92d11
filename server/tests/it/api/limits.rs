//! Per-token rate limits, on one instance and across several.

use super::*;
use axum::http::{header, StatusCode};

#[tokio::test]
async fn each_token_is_rate_limited_and_every_response_says_where_it_stands() {
    let app = spawn_with(|s| s.api_rate_limit_per_minute = 3).await;
    let (mut owner, ws, token) = team_with_token(&app, "Ivo").await;
    let (other, _) = create_token(&mut owner, "Other", None, TokenScope::ReadOnly).await;
    let mut c = app.client();
    let w = Some(ws.as_str());
    app.align_to(60);
    for remaining in [2, 1, 0] {
        let r = api(&mut c, "GET", "/api/v1/me", Some(&token), w, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.headers["ratelimit-limit"], "3");
        assert_eq!(
            r.headers["ratelimit-remaining"],
            remaining.to_string().as_str()
        );
        let reset: u64 = r.headers["ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&reset));
    }
    let r = api(&mut c, "GET", "/api/v1/me", Some(&token), w, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "rate_limited");
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(r.headers["ratelimit-remaining"], "0");
    // Another token has its own budget; the next window opens again.
    let r = api(&mut c, "GET", "/api/v1/me", Some(&other), w, None).await;
    assert_eq!(r.status, StatusCode::OK);
    app.advance(61);
    let r = api(&mut c, "GET", "/api/v1/me", Some(&token), w, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_high_limit_is_reserved_in_blocks_and_holds_across_instances() {
    use sea_orm::ConnectionTrait;
    // 100 a minute: each instance reserves five at a time.
    assert_eq!(app::rate_limit::block_for(100), 5);
    let app = spawn_with(|s| s.api_rate_limit_per_minute = 100).await;
    let (mut owner, _) = app.signed_up("Lea").await;
    let ws = owner.workspace_id().await;
    set_plan(&app, &ws, app::types::Plan::Team).await;
    let (token, id) = create_token(&mut owner, "One", None, TokenScope::ReadOnly).await;
    let (shared, _) = create_token(&mut owner, "Shared", None, TokenScope::ReadOnly).await;
    let w = Some(ws.as_str());
    app.align_to(60);
    // One instance: exactly the limit, the remaining count stepping down by one.
    let mut c = app.client();
    for used in 1..=100 {
        let r = api(&mut c, "GET", "/api/v1/me", Some(&token), w, None).await;
        assert_eq!(r.status, StatusCode::OK, "request {used}: {}", r.body);
        assert_eq!(
            r.headers["ratelimit-remaining"],
            (100 - used).to_string().as_str()
        );
    }
    let r = api(&mut c, "GET", "/api/v1/me", Some(&token), w, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // The shared row holds the window's total; the refusal came from the
    // used-up block without another write.
    let hits = |id: String| {
        let db = app.db.clone();
        async move {
            let backend = db.get_database_backend();
            let sql = match backend {
                sea_orm::DbBackend::Postgres => {
                    "SELECT SUM(hits) AS hits FROM rate_limits WHERE bucket = $1"
                }
                _ => "SELECT SUM(hits) AS hits FROM rate_limits WHERE bucket = ?",
            };
            let row = db
                .query_one_raw(sea_orm::Statement::from_sql_and_values(
                    backend,
                    sql,
                    [format!("api:token:{id}").into()],
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "hits").unwrap()
        }
    };
    assert_eq!(hits(id).await, 100);

    // A burst of parallel requests waits for the block being reserved
    // instead of each reserving its own: all 40 pass, and 40 are counted.
    let (burst, burst_id) = create_token(&mut owner, "Burst", None, TokenScope::ReadOnly).await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let mut client = app.client();
        let (burst, ws) = (burst.clone(), ws.clone());
        calls.spawn(async move {
            api(
                &mut client,
                "GET",
                "/api/v1/me",
                Some(&burst),
                Some(&ws),
                None,
            )
            .await
            .status
        });
    }
    while let Some(status) = calls.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::OK);
    }
    assert_eq!(hits(burst_id).await, 40);

    // Two instances on one database share one budget per token: never more
    // than the limit, and at most one unused block short of it.
    let clock = app.clock.clone();
    let mut other = app.client();
    other.router = timether_server::router_with_clock(
        connect(&app.url).await,
        app.settings.clone(),
        leptos::prelude::LeptosOptions::builder()
            .output_name("timether")
            .build(),
        std::sync::Arc::new(move || {
            chrono::Utc::now()
                + chrono::Duration::seconds(clock.load(std::sync::atomic::Ordering::SeqCst))
        }),
    );
    let mut ok = 0;
    for i in 0..160 {
        let client = if i % 2 == 0 { &mut c } else { &mut other };
        let r = api(client, "GET", "/api/v1/me", Some(&shared), w, None).await;
        match r.status {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            s => panic!("unexpected {s}: {}", r.body),
        }
    }
    assert!((95..=100).contains(&ok), "{ok} requests were let through");
}
