//! The public API's tokens and its checks on every request (security.md
//! K1–K5, C3), on SQLite and PostgreSQL.

use crate::common::*;
use app::db::entities::api_tokens;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

/// A client without a session: only what the test puts in the headers.
async fn api(
    c: &mut Client,
    method: &str,
    path: &str,
    token: Option<&str>,
    ws: Option<&str>,
    body: Option<Value>,
) -> Response {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(w) = ws {
        req = req.header("X-Workspace-Id", w);
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    };
    c.send(req.unwrap()).await
}

async fn set_plan(app: &TestApp, ws: &str, plan: app::types::Plan) {
    app::workspaces::service::set_plan(&app.db, ws.parse().unwrap(), plan)
        .await
        .unwrap();
}

/// Creates a token through the UI's server function; returns (token, id).
async fn create_token(
    c: &mut Client,
    name: &str,
    days: Option<u32>,
    scope: &str,
) -> (String, String) {
    let mut args = json!({ "name": name, "scope": scope });
    if let Some(d) = days {
        args["expires_in_days"] = json!(d);
    }
    let r = c.call("create_api_token", args).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let v = r.json();
    (
        v["token"].as_str().unwrap().to_string(),
        v["info"]["id"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn tokens_need_a_team_or_business_plan_and_only_digests_are_stored() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Olga").await;
    let ws = owner.workspace_id().await;

    // Free: the section explains the plan, and nothing can be created.
    let view = owner.call("list_api_tokens", json!({})).await.json();
    assert_eq!(view["available"], false);
    let r = owner
        .call(
            "create_api_token",
            json!({ "name": "Dash", "scope": "ReadOnly" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json(), json!("PlanRequired"));

    set_plan(&app, &ws, app::types::Plan::Team).await;
    let (token, _) = create_token(
        &mut owner,
        "Internal reporting dashboard",
        Some(90),
        "ReadOnly",
    )
    .await;
    assert!(token.starts_with("tmt_"), "{token}");
    assert_eq!(token.len(), 54);

    // The list shows a hint, never the token.
    let view = owner.call("list_api_tokens", json!({})).await;
    assert!(!view.body.contains(&token));
    let t = &view.json()["tokens"][0];
    assert_eq!(t["name"], "Internal reporting dashboard");
    assert_eq!(t["scope"], "ReadOnly");
    assert_eq!(t["created_by"], "Olga");
    assert!(token.starts_with(t["hint"].as_str().unwrap().trim_end_matches('…')));
    assert!(t["expires_at"].is_string());

    // The database holds the SHA-256 and the hint only.
    let rows = api_tokens::Entity::find()
        .filter(api_tokens::Column::WorkspaceId.eq(ws.parse::<uuid::Uuid>().unwrap()))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].token_hash, app::auth::sessions::digest(&token));
    assert!(rows[0].hint.chars().count() < 12);
    assert!(token.starts_with(rows[0].hint.trim_end_matches('…')));
    assert!(!format!("{:?}", rows[0]).contains(&token[4..]));

    // The token works on Team, and stops on Solo Pro and Free.
    let mut anon = app.client();
    let r = api(
        &mut anon,
        "GET",
        "/api/v1/me",
        Some(&token),
        Some(&ws),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for plan in [app::types::Plan::SoloPro, app::types::Plan::Free] {
        set_plan(&app, &ws, plan).await;
        let r = api(
            &mut anon,
            "GET",
            "/api/v1/me",
            Some(&token),
            Some(&ws),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(r.json()["error"]["code"], "plan_required");
    }
}

#[tokio::test]
async fn every_request_is_checked_in_the_documented_order() {
    let app = spawn().await;
    let (mut owner, email) = app.signed_up("Pavel").await;
    let ws = owner.workspace_id().await;
    set_plan(&app, &ws, app::types::Plan::Business).await;
    let (token, token_id) = create_token(&mut owner, "Finance sync", None, "ReadWrite").await;
    let mut anon = app.client();

    // The token's person and workspace.
    let r = api(
        &mut anon,
        "GET",
        "/api/v1/me",
        Some(&token),
        Some(&ws),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let me = r.json();
    assert_eq!(me["user"]["email"], email.as_str());
    assert_eq!(me["workspace"]["id"], ws.as_str());
    assert_eq!(me["role"], "Owner");
    assert_eq!(me["workspace"]["plan"], "Business");
    assert_eq!(me["token"]["id"], token_id.as_str());
    assert!(!r.body.contains(&token));

    // No or a malformed Authorization header: 401 asking for a bearer token.
    for auth in [None, Some("Basic dXNlcjpwYXNz"), Some("Bearer")] {
        let mut req = Request::get("/api/v1/me").header("X-Workspace-Id", &ws);
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        let r = anon.send(req.body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(r.json()["error"]["code"], "unauthorized");
        assert_eq!(r.headers[header::WWW_AUTHENTICATE], "Bearer");
    }

    // A second workspace of the same person, for the header check below.
    let r = owner
        .rpc("create_workspace", &[("name", "Side project")])
        .await;
    let other = r.json()["id"].as_str().unwrap().to_string();
    set_plan(&app, &other, app::types::Plan::Business).await;
    owner
        .rpc("switch_workspace", &[("workspace_id", &ws)])
        .await;
    // A mistyped, an unknown, a revoked and an expired token: the same 401.
    let mut typo: Vec<char> = token.chars().collect();
    typo[8] = if typo[8] == 'x' { 'y' } else { 'x' };
    let typo: String = typo.into_iter().collect();
    let unknown = app::api_tokens::service::generate();
    let (revoked, revoked_id) = create_token(&mut owner, "Old export", Some(30), "ReadOnly").await;
    let r = owner
        .call("revoke_api_token", json!({ "id": revoked_id }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (expiring, _) = create_token(&mut owner, "Short lived", Some(30), "ReadOnly").await;
    let r = api(
        &mut anon,
        "GET",
        "/api/v1/me",
        Some(&expiring),
        Some(&ws),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    app.advance(31 * 24 * 3600);
    let mut bodies = Vec::new();
    for t in [
        &typo,
        &unknown,
        &revoked,
        &expiring,
        &"tmt_short".to_string(),
    ] {
        let r = api(&mut anon, "GET", "/api/v1/me", Some(t), Some(&ws), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{t}");
        assert_eq!(
            r.headers[header::WWW_AUTHENTICATE],
            "Bearer error=\"invalid_token\""
        );
        bodies.push(r.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    assert!(bodies[0].contains("\"invalid_token\""));

    // Then the workspace header: missing or malformed is 400 ...
    for h in [None, Some("not-a-uuid")] {
        let r = api(&mut anon, "GET", "/api/v1/me", Some(&token), h, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{h:?}");
        assert_eq!(r.json()["error"]["code"], "workspace_id_required");
    }
    // ... another workspace, even the same person's, is 403.
    let r = api(
        &mut anon,
        "GET",
        "/api/v1/me",
        Some(&token),
        Some(&other),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "forbidden_workspace");

    // Cookies are not accepted on the API ...
    let r = owner.get("/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // ... and bearer tokens are not accepted by server functions.
    let mut req = Request::post("/rpc/get_me")
        .header(header::ORIGIN, ORIGIN)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    req = req.header("X-Workspace-Id", &ws);
    let r = anon.send(req.body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);

    // An unknown endpoint answers in the API's error format.
    let r = api(
        &mut anon,
        "GET",
        "/api/v1/nope",
        Some(&token),
        Some(&ws),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn scopes_billing_and_membership_limit_what_a_token_does() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Quinn").await;
    let ws = owner.workspace_id().await;
    set_plan(&app, &ws, app::types::Plan::Team).await;
    let (mut member, member_email) = app.signed_up("Rosa").await;
    member.join(&mut owner, &member_email, &ws, "Member").await;
    let member_id = member.me().await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (read, _) = create_token(&mut owner, "Dashboard", Some(90), "ReadOnly").await;
    let (write, _) = create_token(&mut owner, "Sync", Some(90), "ReadWrite").await;
    let (members_token, members_token_id) =
        create_token(&mut member, "Mine", Some(90), "ReadWrite").await;
    let mut anon = app.client();

    // A read-only token cannot write.
    let r = api(
        &mut anon,
        "POST",
        "/api/v1/me",
        Some(&read),
        Some(&ws),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "insufficient_scope");

    // Read-only for billing: writes refused, reads served.
    app::workspaces::service::set_billing(
        &app.db,
        ws.parse().unwrap(),
        app::types::BillingStatus::ReadOnly,
    )
    .await
    .unwrap();
    let r = api(
        &mut anon,
        "POST",
        "/api/v1/me",
        Some(&write),
        Some(&ws),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "workspace_read_only");
    let r = api(
        &mut anon,
        "GET",
        "/api/v1/me",
        Some(&write),
        Some(&ws),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app::workspaces::service::set_billing(
        &app.db,
        ws.parse().unwrap(),
        app::types::BillingStatus::Active,
    )
    .await
    .unwrap();

    // A member's token acts as a member; members see only their own tokens.
    let r = api(
        &mut anon,
        "GET",
        "/api/v1/me",
        Some(&members_token),
        Some(&ws),
        None,
    )
    .await;
    assert_eq!(r.json()["role"], "Member");
    let mine = member.call("list_api_tokens", json!({})).await.json();
    assert_eq!(mine["tokens"].as_array().unwrap().len(), 1);
    assert_eq!(mine["sees_all"], false);
    let all = owner.call("list_api_tokens", json!({})).await.json();
    assert_eq!(all["tokens"].as_array().unwrap().len(), 3);
    // A member cannot revoke the owner's token (it does not exist for them).
    let owners_id = all["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Dashboard")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = member
        .call("revoke_api_token", json!({ "id": owners_id }))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // When the member leaves, their token stops.
    let r = owner.rpc("remove_member", &[("user_id", &member_id)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api(
        &mut anon,
        "GET",
        "/api/v1/me",
        Some(&members_token),
        Some(&ws),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // The owner can still revoke it.
    let r = owner
        .call("revoke_api_token", json!({ "id": members_token_id }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn revocation_holds_on_the_next_request_on_every_instance_and_use_is_recorded() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Sven").await;
    let ws = owner.workspace_id().await;
    set_plan(&app, &ws, app::types::Plan::Team).await;
    let (token, id) = create_token(&mut owner, "Portal", Some(365), "ReadOnly").await;

    // A second server instance on the same database.
    let second = timether_server::router(
        connect(&app.url).await,
        app.settings.clone(),
        leptos::prelude::LeptosOptions::builder()
            .output_name("timether")
            .build(),
    );
    let mut other = app.client();
    other.router = second;
    let r = api(
        &mut other,
        "GET",
        "/api/v1/me",
        Some(&token),
        Some(&ws),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Last used is recorded, at most once a minute.
    let first = last_used(&app, &id).await;
    assert!(first.is_some());
    let mut anon = app.client();
    api(
        &mut anon,
        "GET",
        "/api/v1/me",
        Some(&token),
        Some(&ws),
        None,
    )
    .await;
    assert_eq!(last_used(&app, &id).await, first);
    app.advance(61);
    api(
        &mut anon,
        "GET",
        "/api/v1/me",
        Some(&token),
        Some(&ws),
        None,
    )
    .await;
    assert_ne!(last_used(&app, &id).await, first);

    let r = owner.call("revoke_api_token", json!({ "id": id })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api(
        &mut other,
        "GET",
        "/api/v1/me",
        Some(&token),
        Some(&ws),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let r = api(
        &mut anon,
        "GET",
        "/api/v1/me",
        Some(&token),
        Some(&ws),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // A revoked token leaves the list.
    let view = owner.call("list_api_tokens", json!({})).await.json();
    assert_eq!(view["tokens"].as_array().unwrap().len(), 0);
}

/// The `last_used_at` of a token, as stored.
async fn last_used(app: &TestApp, id: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    api_tokens::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .last_used_at
}

#[tokio::test]
async fn token_names_and_expiry_are_validated() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Tara").await;
    let ws = owner.workspace_id().await;
    set_plan(&app, &ws, app::types::Plan::Team).await;
    let r = owner
        .call(
            "create_api_token",
            json!({ "name": "  ", "scope": "ReadOnly" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["Invalid"]["field"], "name");
    let r = owner
        .call(
            "create_api_token",
            json!({ "name": "Dash", "scope": "ReadOnly", "expires_in_days": 7 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["Invalid"]["field"], "expires_in_days");
}

/// A Team workspace with a read-and-write token: (owner, workspace, token).
async fn team_with_token(app: &TestApp, name: &str) -> (Client, String, String) {
    let (mut owner, _) = app.signed_up(name).await;
    let ws = owner.workspace_id().await;
    set_plan(app, &ws, app::types::Plan::Team).await;
    let (token, _) = create_token(&mut owner, "Sync", None, "ReadWrite").await;
    (owner, ws, token)
}

#[tokio::test]
async fn catalog_endpoints_follow_the_same_rules_as_the_ui() {
    let app = spawn().await;
    let (_owner, ws, token) = team_with_token(&app, "Uma").await;
    let mut c = app.client();
    let t = Some(token.as_str());
    let w = Some(ws.as_str());

    let r = api(
        &mut c,
        "POST",
        "/api/v1/clients",
        t,
        w,
        Some(json!({ "name": "Acme" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let acme = r.json()["id"].as_str().unwrap().to_string();
    // Names are unique per workspace, case-insensitively (the UI's rule and
    // message, on the field).
    let r = api(
        &mut c,
        "POST",
        "/api/v1/clients",
        t,
        w,
        Some(json!({ "name": "ACME" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "name");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already exists"));
    // A body over the limit, refused on its declared length before any
    // handler runs, still answers in the API's format.
    let big = "x".repeat(app.settings.body_limit_bytes + 10);
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/clients")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("X-Workspace-Id", ws.as_str())
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "payload_too_large");
    // Bad bodies: each with its status, the field named where there is one.
    let r = api(&mut c, "POST", "/api/v1/clients", t, w, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "name");
    let r = api(
        &mut c,
        "POST",
        "/api/v1/clients",
        t,
        w,
        Some(json!({ "name": "X", "workspace_id": ws })),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = api(
        &mut c,
        "POST",
        "/api/v1/clients",
        t,
        w,
        Some(json!({ "name": " " })),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "name");
    let req = Request::post("/api/v1/clients")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("X-Workspace-Id", &ws)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"name\": "))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "bad_request");
    let req = Request::post("/api/v1/clients")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("X-Workspace-Id", &ws)
        .body(Body::from("{\"name\": \"Plain\"}"))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);

    // Archive through PATCH: gone from the default list, there on request.
    let path = format!("/api/v1/clients/{acme}");
    let r = api(
        &mut c,
        "PATCH",
        &path,
        t,
        w,
        Some(json!({ "archived": true })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["name"], "Acme");
    let count = |v: Value| v.as_array().unwrap().len();
    let r = api(&mut c, "GET", "/api/v1/clients", t, w, None).await;
    assert_eq!(count(r.json()), 0);
    let r = api(&mut c, "GET", "/api/v1/clients?archived=true", t, w, None).await;
    assert_eq!(count(r.json()), 1);
    let r = api(&mut c, "GET", "/api/v1/clients?archived=all", t, w, None).await;
    assert_eq!(count(r.json()), 1);
    let r = api(&mut c, "GET", "/api/v1/clients?archived=maybe", t, w, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Projects: defaults, a client of another workspace refused, PATCH clears.
    let r = api(&mut c, "POST", "/api/v1/projects", t, w,
        Some(json!({ "name": "Website", "client_id": acme, "billable": true, "hourly_rate_cents": 8550 }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p = r.json();
    assert_eq!(p["hourly_rate_cents"], 8550);
    assert_eq!(p["client_id"], acme.as_str());
    let project = p["id"].as_str().unwrap().to_string();
    let r = api(
        &mut c,
        "PATCH",
        &format!("/api/v1/projects/{project}"),
        t,
        w,
        Some(json!({ "client_id": null, "hourly_rate_cents": null })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["client_id"].is_null());
    assert!(r.json()["hourly_rate_cents"].is_null());
    assert_eq!(r.json()["billable"], true);

    let (_other_owner, other_ws, other_token) = team_with_token(&app, "Vik").await;
    let r = api(
        &mut c,
        "POST",
        "/api/v1/clients",
        Some(&other_token),
        Some(&other_ws),
        Some(json!({ "name": "Theirs" })),
    )
    .await;
    let theirs = r.json()["id"].as_str().unwrap().to_string();
    let r = api(
        &mut c,
        "POST",
        "/api/v1/projects",
        t,
        w,
        Some(json!({ "name": "Sneaky", "client_id": theirs })),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "client_id");
    // Another workspace's ids are not found on every by-id endpoint.
    for (m, path) in [
        ("GET", format!("/api/v1/clients/{theirs}")),
        ("PATCH", format!("/api/v1/clients/{theirs}")),
        ("DELETE", format!("/api/v1/clients/{theirs}")),
        ("GET", format!("/api/v1/projects/{theirs}")),
        ("GET", format!("/api/v1/tags/{theirs}")),
        ("GET", format!("/api/v1/time-entries/{theirs}")),
        ("GET", "/api/v1/clients/not-a-uuid".to_string()),
    ] {
        let body = (m == "PATCH").then(|| json!({ "name": "Mine now" }));
        let r = api(&mut c, m, &path, t, w, body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{m} {path}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], "not_found");
    }
    let r = api(
        &mut c,
        "GET",
        &format!("/api/v1/clients/{theirs}"),
        Some(&other_token),
        Some(&other_ws),
        None,
    )
    .await;
    assert_eq!(r.json()["name"], "Theirs");

    // Tags, and deleting.
    let r = api(
        &mut c,
        "POST",
        "/api/v1/tags",
        t,
        w,
        Some(json!({ "name": "#dev" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["name"], "dev");
    let tag = r.json()["id"].as_str().unwrap().to_string();
    let r = api(
        &mut c,
        "PATCH",
        &format!("/api/v1/tags/{tag}"),
        t,
        w,
        Some(json!({ "color": "#10b981" })),
    )
    .await;
    assert_eq!(r.json()["color"], "#10b981");
    let r = api(&mut c, "DELETE", &format!("/api/v1/tags/{tag}"), t, w, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api(
        &mut c,
        "DELETE",
        &format!("/api/v1/clients/{acme}"),
        t,
        w,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn time_entries_filter_literally_and_page_without_gaps_while_entries_arrive() {
    let app = spawn().await;
    let (mut owner, ws, token) = team_with_token(&app, "Wen").await;
    let mut c = app.client();
    let t = Some(token.as_str());
    let w = Some(ws.as_str());
    // Tag names with LIKE and quoting characters, and one that would match
    // them all if they were patterns.
    let mut tag_ids = std::collections::HashMap::new();
    for name in ["50%", "a_b", "o'neil", "back\\slash", "axb", "50x"] {
        let r = api(
            &mut c,
            "POST",
            "/api/v1/tags",
            t,
            w,
            Some(json!({ "name": name })),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.body);
        tag_ids.insert(name, r.json()["id"].as_str().unwrap().to_string());
    }
    for (i, name) in ["50%", "a_b", "o'neil", "back\\slash", "axb", "50x"]
        .iter()
        .enumerate()
    {
        let mut input = json!({ "input": {
            "description": format!("tagged {name}"),
            "start": format!("2026-10-0{}T09:00", i + 1),
            "end": format!("2026-10-0{}T10:00", i + 1),
            "tag_ids": [tag_ids[name]],
        }});
        input["input"]["billable"] = json!(i % 2 == 0);
        let r = owner.call("create_entry", input).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    for name in ["50%", "a_b", "o'neil", "back\\slash"] {
        let q = format!("/api/v1/time-entries?tags={}", urlencode(name));
        let r = api(&mut c, "GET", &q, t, w, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let data = r.json()["data"].as_array().unwrap().clone();
        assert_eq!(data.len(), 1, "{name}: {data:?}");
        assert_eq!(data[0]["description"], format!("tagged {name}"));
        assert_eq!(data[0]["tags"][0]["name"], *name);
    }
    let r = api(&mut c, "GET", "/api/v1/time-entries?tags=%25", t, w, None).await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 0);
    let r = api(
        &mut c,
        "GET",
        "/api/v1/time-entries?tags=50%25,axb",
        t,
        w,
        None,
    )
    .await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 2);
    let r = api(
        &mut c,
        "GET",
        "/api/v1/time-entries?billable=true",
        t,
        w,
        None,
    )
    .await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 3);
    // The person's zone is UTC here: 2026-10-02 09:00 local is 09:00Z.
    let r = api(
        &mut c,
        "GET",
        "/api/v1/time-entries?from=2026-10-02T00:00:00Z&to=2026-10-04T00:00:00Z",
        t,
        w,
        None,
    )
    .await;
    let data = r.json()["data"].as_array().unwrap().clone();
    assert_eq!(data.len(), 2, "{data:?}");
    assert_eq!(data[0]["start"], "2026-10-03T09:00:00Z");
    assert_eq!(data[0]["duration_secs"], 3600);
    for (q, field) in [
        ("from=yesterday", "from"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("billable=maybe", "billable"),
        ("project_id=x", "project_id"),
        ("cursor=garbage", "cursor"),
    ] {
        let r = api(
            &mut c,
            "GET",
            &format!("/api/v1/time-entries?{q}"),
            t,
            w,
            None,
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["field"], field, "{q}");
    }

    // 45 more entries, then pages of 10 while new ones keep arriving.
    for i in 0..45 {
        let day = 10 + i / 5;
        let hour = 8 + i % 5;
        let r = owner
            .call(
                "create_entry",
                json!({ "input": {
                    "description": format!("bulk {i}"),
                    "start": format!("2026-10-{day:02}T{hour:02}:00"),
                    "end": format!("2026-10-{day:02}T{hour:02}:30"),
                }}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    let mut added = 0;
    loop {
        let q = match &cursor {
            Some(cur) => format!("/api/v1/time-entries?limit=10&cursor={}", urlencode(cur)),
            None => "/api/v1/time-entries?limit=10".to_string(),
        };
        let r = api(&mut c, "GET", &q, t, w, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let page = r.json();
        for e in page["data"].as_array().unwrap() {
            assert!(
                seen.insert(e["id"].as_str().unwrap().to_string()),
                "twice: {e}"
            );
        }
        // Someone adds an entry between pages.
        added += 1;
        owner
            .call(
                "create_entry",
                json!({ "input": {
                    "description": format!("late {added}"),
                    "start": format!("2026-11-{:02}T09:00", added),
                    "end": format!("2026-11-{:02}T09:10", added),
                }}),
            )
            .await;
        match page["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 51);

    // A member reads only their own entries.
    let (mut member, member_email) = app.signed_up("Xia").await;
    member.join(&mut owner, &member_email, &ws, "Member").await;
    let (member_token, _) = create_token(&mut member, "Mine", None, "ReadOnly").await;
    let r = api(
        &mut c,
        "GET",
        "/api/v1/time-entries",
        Some(&member_token),
        w,
        None,
    )
    .await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 0);
    let owner_id = owner.me().await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = api(
        &mut c,
        "GET",
        &format!("/api/v1/time-entries?user_id={owner_id}"),
        Some(&member_token),
        w,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let any = seen.iter().next().unwrap();
    let r = api(
        &mut c,
        "GET",
        &format!("/api/v1/time-entries/{any}"),
        Some(&member_token),
        w,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api(
        &mut c,
        "GET",
        &format!("/api/v1/time-entries/{any}"),
        t,
        w,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = spawn().await;
    let mut c = app.client();
    let r = api(&mut c, "GET", "/api/v1/openapi.json", None, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let doc = r.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let expected = [
        ("get", "/me"),
        ("get", "/clients"),
        ("post", "/clients"),
        ("get", "/clients/{id}"),
        ("patch", "/clients/{id}"),
        ("delete", "/clients/{id}"),
        ("get", "/projects"),
        ("post", "/projects"),
        ("get", "/projects/{id}"),
        ("patch", "/projects/{id}"),
        ("delete", "/projects/{id}"),
        ("get", "/tags"),
        ("post", "/tags"),
        ("get", "/tags/{id}"),
        ("patch", "/tags/{id}"),
        ("delete", "/tags/{id}"),
        ("get", "/time-entries"),
        ("post", "/time-entries"),
        ("get", "/time-entries/{id}"),
        ("patch", "/time-entries/{id}"),
        ("delete", "/time-entries/{id}"),
        ("get", "/timer"),
        ("post", "/timer/start"),
        ("post", "/timer/stop"),
        ("get", "/reports/summary"),
        ("get", "/invoices"),
        ("post", "/invoices"),
        ("get", "/invoices/{id}"),
        ("patch", "/invoices/{id}"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        expected.len(),
        "a route is documented but not expected here: {paths:?}"
    );
}

#[tokio::test]
async fn entries_and_the_timer_can_be_written_through_the_api() {
    let app = spawn().await;
    let (mut owner, ws, token) = team_with_token(&app, "Yara").await;
    let mut c = app.client();
    let t = Some(token.as_str());
    let w = Some(ws.as_str());
    let r = api(
        &mut c,
        "POST",
        "/api/v1/tags",
        t,
        w,
        Some(json!({ "name": "dev" })),
    )
    .await;
    let dev = r.json()["id"].as_str().unwrap().to_string();

    let r = api(
        &mut c,
        "POST",
        "/api/v1/time-entries",
        t,
        w,
        Some(json!({
            "description": "API work", "tag_ids": [dev],
            "start": "2026-11-02T09:00:00Z", "end": "2026-11-02T10:30:00Z"
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let e = r.json();
    assert_eq!(e["duration_secs"], 5400);
    assert_eq!(e["tags"][0]["name"], "dev");
    let id = e["id"].as_str().unwrap().to_string();
    // End before start is refused on the field.
    let r = api(
        &mut c,
        "POST",
        "/api/v1/time-entries",
        t,
        w,
        Some(json!({
            "start": "2026-11-02T09:00:00Z", "end": "2026-11-02T08:00:00Z"
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "end");
    // Another workspace's tag cannot be attached.
    let (_o2, ws2, token2) = team_with_token(&app, "Zed").await;
    let r = api(
        &mut c,
        "POST",
        "/api/v1/tags",
        Some(&token2),
        Some(&ws2),
        Some(json!({ "name": "theirs" })),
    )
    .await;
    let theirs = r.json()["id"].as_str().unwrap().to_string();
    let r = api(
        &mut c,
        "PATCH",
        &format!("/api/v1/time-entries/{id}"),
        t,
        w,
        Some(json!({ "tag_ids": [theirs] })),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = api(
        &mut c,
        "PATCH",
        &format!("/api/v1/time-entries/{id}"),
        t,
        w,
        Some(json!({ "description": "API work, edited" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["description"], "API work, edited");
    assert_eq!(r.json()["start"], "2026-11-02T09:00:00Z");
    assert_eq!(r.json()["tags"][0]["name"], "dev");

    // The summary matches the UI's report for the same days.
    let r = api(
        &mut c,
        "GET",
        "/api/v1/reports/summary?from=2026-11-02&to=2026-11-02&group_by=tag",
        t,
        w,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let sum = r.json();
    let ui = owner
        .call(
            "get_report",
            json!({ "query": { "period": "Custom", "from": "2026-11-02", "to": "2026-11-02" } }),
        )
        .await
        .json();
    assert_eq!(sum["total_secs"], 5400);
    assert_eq!(sum["total_secs"], ui["total_secs"]);
    assert_eq!(sum["amount_cents"], ui["amount_cents"]);
    assert_eq!(sum["groups"][0]["name"], "#dev");
    let r = api(
        &mut c,
        "GET",
        "/api/v1/reports/summary?from=2026-11-02&to=2026-11-02&tags=dev&group_by=day",
        t,
        w,
        None,
    )
    .await;
    assert_eq!(r.json()["groups"].as_array().unwrap().len(), 1);
    assert_eq!(r.json()["groups"][0]["secs"], 5400);
    for (q, field) in [
        ("from=2026-11-02&to=2026-11-02&group_by=week", "group_by"),
        ("from=yesterday&to=2026-11-02", "from"),
        ("from=2026-11-02&to=2026-11-02&tags=nope", "tags"),
    ] {
        let r = api(
            &mut c,
            "GET",
            &format!("/api/v1/reports/summary?{q}"),
            t,
            w,
            None,
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["field"], field, "{q}");
    }

    // The timer: start, read, stop.
    let r = api(&mut c, "GET", "/api/v1/timer", t, w, None).await;
    assert_eq!(r.json(), Value::Null);
    let r = api(
        &mut c,
        "POST",
        "/api/v1/timer/start",
        t,
        w,
        Some(json!({ "description": "Live" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let running = r.json()["id"].as_str().unwrap().to_string();
    assert!(r.json()["end"].is_null());
    app.advance(90);
    let r = api(&mut c, "GET", "/api/v1/timer", t, w, None).await;
    assert_eq!(r.json()["id"], running.as_str());
    assert!(r.json()["duration_secs"].as_i64().unwrap() >= 90);
    let r = api(
        &mut c,
        "PATCH",
        &format!("/api/v1/time-entries/{running}"),
        t,
        w,
        Some(json!({ "description": "x" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = api(&mut c, "POST", "/api/v1/timer/stop", t, w, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["end"].is_string());
    let r = api(&mut c, "GET", "/api/v1/timer", t, w, None).await;
    assert_eq!(r.json(), Value::Null);

    // Read-only for billing: writes refused, reads served.
    app::workspaces::service::set_billing(
        &app.db,
        ws.parse().unwrap(),
        app::types::BillingStatus::ReadOnly,
    )
    .await
    .unwrap();
    for (m, path, body) in [
        ("POST", "/api/v1/timer/start".to_string(), Some(json!({}))),
        ("DELETE", format!("/api/v1/time-entries/{id}"), None),
        (
            "POST",
            "/api/v1/clients".to_string(),
            Some(json!({ "name": "New" })),
        ),
    ] {
        let r = api(&mut c, m, &path, t, w, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{m} {path}");
        assert_eq!(r.json()["error"]["code"], "workspace_read_only");
    }
    let r = api(&mut c, "GET", "/api/v1/time-entries", t, w, None).await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 2);
    app::workspaces::service::set_billing(
        &app.db,
        ws.parse().unwrap(),
        app::types::BillingStatus::Active,
    )
    .await
    .unwrap();

    let r = api(
        &mut c,
        "DELETE",
        &format!("/api/v1/time-entries/{id}"),
        t,
        w,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api(
        &mut c,
        "GET",
        &format!("/api/v1/time-entries/{id}"),
        t,
        w,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_token_is_rate_limited_and_every_response_says_where_it_stands() {
    let app = spawn_with(|s| s.api_rate_limit_per_minute = 3).await;
    let (mut owner, ws, token) = team_with_token(&app, "Ivo").await;
    let (other, _) = create_token(&mut owner, "Other", None, "ReadOnly").await;
    let mut c = app.client();
    let w = Some(ws.as_str());
    // Stay inside one window.
    let into = app.now().rem_euclid(60);
    if into > 50 {
        app.advance(60 - into);
    }
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
    let (token, id) = create_token(&mut owner, "One", None, "ReadOnly").await;
    let (shared, _) = create_token(&mut owner, "Shared", None, "ReadOnly").await;
    let w = Some(ws.as_str());
    let into = app.now().rem_euclid(60);
    if into > 30 {
        app.advance(60 - into);
    }
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
    let (burst, burst_id) = create_token(&mut owner, "Burst", None, "ReadOnly").await;
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

#[tokio::test]
async fn invoices_are_made_and_moved_through_the_api() {
    let app = spawn().await;
    let (_owner, ws, token) = team_with_token(&app, "Nell").await;
    let mut c = app.client();
    let t = Some(token.as_str());
    let w = Some(ws.as_str());
    let r = api(
        &mut c,
        "POST",
        "/api/v1/clients",
        t,
        w,
        Some(json!({ "name": "Acme" })),
    )
    .await;
    let client = r.json()["id"].as_str().unwrap().to_string();
    let r = api(&mut c, "POST", "/api/v1/projects", t, w,
        Some(json!({ "name": "Website", "client_id": client, "billable": true, "hourly_rate_cents": 10000 }))).await;
    let project = r.json()["id"].as_str().unwrap().to_string();
    let r = api(
        &mut c,
        "POST",
        "/api/v1/time-entries",
        t,
        w,
        Some(json!({
            "project_id": project, "start": "2026-11-03T09:00:00Z", "end": "2026-11-03T10:30:00Z"
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["billable"], true);

    let r = api(
        &mut c,
        "POST",
        "/api/v1/invoices",
        t,
        w,
        Some(json!({
            "client_id": client, "from": "2026-11-01", "to": "2026-11-30", "tax_rate": "19"
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let inv = r.json();
    assert_eq!(inv["number"], "INV-0001");
    assert_eq!(inv["status"], "draft");
    assert_eq!(inv["subtotal_cents"], 15000);
    assert_eq!(inv["tax_cents"], 2850);
    assert_eq!(inv["lines"][0]["project_name"], "Website");
    let id = inv["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/invoices/{id}");
    let r = api(
        &mut c,
        "PATCH",
        &path,
        t,
        w,
        Some(json!({ "status": "bogus" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "status");
    let r = api(
        &mut c,
        "PATCH",
        &path,
        t,
        w,
        Some(json!({ "status": "sent" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "sent");
    let r = api(&mut c, "GET", "/api/v1/time-entries", t, w, None).await;
    assert_eq!(r.json()["data"][0]["invoiced"], true);
    let r = api(&mut c, "GET", "/api/v1/invoices", t, w, None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let r = api(&mut c, "GET", &path, t, w, None).await;
    assert_eq!(r.json()["total_cents"], 17850);
}

#[tokio::test]
async fn a_disabled_persons_tokens_stop_at_once() {
    let app = spawn().await;
    let (mut owner, email) = app.signed_up("Dora").await;
    let ws = owner.workspace_id().await;
    set_plan(&app, &ws, app::types::Plan::Team).await;
    let (token, _) = create_token(&mut owner, "Sync", None, "ReadWrite").await;
    let mut c = app.client();
    let r = api(&mut c, "GET", "/api/v1/me", Some(&token), Some(&ws), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Disabling the account (`timether user disable`) stops its tokens,
    // with the same answer as an unknown token.
    let unknown = api(
        &mut c,
        "GET",
        "/api/v1/me",
        Some("tmt_unknown"),
        Some(&ws),
        None,
    )
    .await;
    app::users::disable(&app.db, &email, chrono::Utc::now())
        .await
        .unwrap();
    let r = api(&mut c, "GET", "/api/v1/me", Some(&token), Some(&ws), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "invalid_token");
    assert_eq!(r.body, unknown.body);
}

#[tokio::test]
async fn the_entry_list_is_current_after_every_change_and_per_person() {
    let app = spawn().await;
    let (mut owner, ws) = {
        let (mut owner, _) = app.signed_up("Uma").await;
        let ws = owner.workspace_id().await;
        set_plan(&app, &ws, app::types::Plan::Team).await;
        (owner, ws)
    };
    let (mut member, member_email) = app.signed_up("Vic").await;
    member.join(&mut owner, &member_email, &ws, "Member").await;
    let (owners, _) = create_token(&mut owner, "Owner's", None, "ReadWrite").await;
    let (members, _) = create_token(&mut member, "Member's", None, "ReadWrite").await;
    let mut c = app.client();
    let w = Some(ws.as_str());
    let list = |token: String| {
        let mut c = app.client();
        let ws = ws.clone();
        async move {
            let r = api(
                &mut c,
                "GET",
                "/api/v1/time-entries?limit=10",
                Some(&token),
                Some(&ws),
                None,
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.json()["data"].as_array().unwrap().clone()
        }
    };
    let r = api(
        &mut c,
        "POST",
        "/api/v1/time-entries",
        Some(&owners),
        w,
        Some(json!({ "description": "Planning", "start": "2026-11-02T09:00:00Z", "end": "2026-11-02T10:00:00Z" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(list(owners.clone()).await.len(), 1);
    // The same page again, then the member's: never the owner's page.
    assert_eq!(list(owners.clone()).await[0]["description"], "Planning");
    assert!(list(members.clone()).await.is_empty());

    // An edit shows on the next read.
    let r = api(
        &mut c,
        "PATCH",
        &format!("/api/v1/time-entries/{id}"),
        Some(&owners),
        w,
        Some(json!({ "description": "Planning, edited" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = list(owners.clone()).await;
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["description"], "Planning, edited");
    assert_eq!(page[0]["duration_secs"], 3600);

    // A running entry's duration follows the clock between two reads of
    // the same page.
    let r = api(
        &mut c,
        "POST",
        "/api/v1/timer/start",
        Some(&owners),
        w,
        Some(json!({ "description": "Running" })),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.body);
    let page = list(owners.clone()).await;
    assert_eq!(page.len(), 2);
    let running = page.iter().find(|e| e["end"].is_null()).unwrap();
    let before = running["duration_secs"].as_i64().unwrap();
    app.advance(300);
    let page = list(owners.clone()).await;
    let running = page.iter().find(|e| e["end"].is_null()).unwrap();
    assert_eq!(running["description"], "Running");
    let after = running["duration_secs"].as_i64().unwrap();
    assert!(
        (300..=302).contains(&(after - before)),
        "{before} -> {after}"
    );

    // A change outside the API (the UI's server functions) shows too.
    let r = owner.call("delete_entry", json!({ "id": id })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = list(owners.clone()).await;
    assert_eq!(page.len(), 1);
    assert!(page[0]["end"].is_null());
}
