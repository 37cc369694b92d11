//! Tokens: plans, digests, the order of checks, scopes, revocation,
//! names and expiry, disabled people.

use super::*;
use app::api_tokens::ListApiTokens;
use app::db::entities::api_tokens;
use app::workspaces::{CreateWorkspace, RemoveMember, SwitchWorkspace};
use axum::body::Body;
use axum::http::Request;
use axum::http::{header, StatusCode};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[tokio::test]
async fn tokens_need_a_team_or_business_plan_and_only_digests_are_stored() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Olga").await;
    let ws = owner.workspace_id().await;

    // Free: the section explains the plan, and nothing can be created.
    let view = owner.invoke(ListApiTokens {}).await.json();
    assert_eq!(view["available"], false);
    let r = owner
        .invoke(CreateApiToken {
            name: "Dash".into(),
            expires_in_days: None,
            scope: TokenScope::ReadOnly,
        })
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json(), json!("PlanRequired"));

    set_plan(&app, &ws, app::types::Plan::Team).await;
    let (token, _) = create_token(
        &mut owner,
        "Internal reporting dashboard",
        Some(90),
        TokenScope::ReadOnly,
    )
    .await;
    assert!(token.starts_with("tmt_"), "{token}");
    assert_eq!(token.len(), 54);

    // The list shows a hint, never the token.
    let view = owner.invoke(ListApiTokens {}).await;
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
    let (token, token_id) =
        create_token(&mut owner, "Finance sync", None, TokenScope::ReadWrite).await;
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
        .invoke(CreateWorkspace {
            name: "Side project".into(),
        })
        .await;
    let other = r.json()["id"].as_str().unwrap().to_string();
    set_plan(&app, &other, app::types::Plan::Business).await;
    owner
        .invoke(SwitchWorkspace {
            workspace_id: ws.parse().unwrap(),
        })
        .await;
    // A mistyped, an unknown, a revoked and an expired token: the same 401.
    let mut typo: Vec<char> = token.chars().collect();
    typo[8] = if typo[8] == 'x' { 'y' } else { 'x' };
    let typo: String = typo.into_iter().collect();
    let unknown = app::api_tokens::service::generate();
    let (revoked, revoked_id) =
        create_token(&mut owner, "Old export", Some(30), TokenScope::ReadOnly).await;
    let r = owner
        .invoke(RevokeApiToken {
            id: revoked_id.parse().unwrap(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (expiring, _) =
        create_token(&mut owner, "Short lived", Some(30), TokenScope::ReadOnly).await;
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
    member
        .join(&mut owner, &member_email, &ws, app::types::Role::Member)
        .await;
    let member_id = member.me().await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (read, _) = create_token(&mut owner, "Dashboard", Some(90), TokenScope::ReadOnly).await;
    let (write, _) = create_token(&mut owner, "Sync", Some(90), TokenScope::ReadWrite).await;
    let (members_token, members_token_id) =
        create_token(&mut member, "Mine", Some(90), TokenScope::ReadWrite).await;
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
    app.set_billing(&ws, app::types::BillingStatus::ReadOnly)
        .await;
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
    app.set_billing(&ws, app::types::BillingStatus::Active)
        .await;

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
    let mine = member.invoke(ListApiTokens {}).await.json();
    assert_eq!(mine["tokens"].as_array().unwrap().len(), 1);
    assert_eq!(mine["sees_all"], false);
    let all = owner.invoke(ListApiTokens {}).await.json();
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
        .invoke(RevokeApiToken {
            id: owners_id.parse().unwrap(),
        })
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // When the member leaves, their token stops.
    let r = owner
        .invoke(RemoveMember {
            user_id: member_id.parse().unwrap(),
        })
        .await;
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
        .invoke(RevokeApiToken {
            id: members_token_id.parse().unwrap(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn revocation_holds_on_the_next_request_on_every_instance_and_use_is_recorded() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Sven").await;
    let ws = owner.workspace_id().await;
    set_plan(&app, &ws, app::types::Plan::Team).await;
    let (token, id) = create_token(&mut owner, "Portal", Some(365), TokenScope::ReadOnly).await;

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

    let r = owner
        .invoke(RevokeApiToken {
            id: id.parse().unwrap(),
        })
        .await;
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
    let view = owner.invoke(ListApiTokens {}).await.json();
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
        .invoke(CreateApiToken {
            name: "  ".into(),
            expires_in_days: None,
            scope: TokenScope::ReadOnly,
        })
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["Invalid"]["field"], "name");
    let r = owner
        .invoke(CreateApiToken {
            name: "Dash".into(),
            expires_in_days: Some(7),
            scope: TokenScope::ReadOnly,
        })
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["Invalid"]["field"], "expires_in_days");
}

#[tokio::test]
async fn a_disabled_persons_tokens_stop_at_once() {
    let app = spawn().await;
    let (mut owner, email) = app.signed_up("Dora").await;
    let ws = owner.workspace_id().await;
    set_plan(&app, &ws, app::types::Plan::Team).await;
    let (token, _) = create_token(&mut owner, "Sync", None, TokenScope::ReadWrite).await;
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
