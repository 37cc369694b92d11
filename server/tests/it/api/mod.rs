//! The public API through its own door (`/api/v1`): tokens and the checks
//! on every request (security.md K1–K5, C3), each resource, limits and
//! the OpenAPI document, on SQLite and PostgreSQL. One file per resource.

use crate::common::*;
pub(super) use app::api_tokens::{CreateApiToken, RevokeApiToken, TokenScope};
use axum::http::{header, StatusCode};
use serde_json::{json, Value};

mod catalog;
mod invoices;
mod limits;
mod openapi;
mod time_entries;
mod tokens;

/// A request with exactly the headers given (`None` leaves one out).
pub(super) async fn api(
    c: &mut Client,
    method: &str,
    path: &str,
    token: Option<&str>,
    ws: Option<&str>,
    body: Option<Value>,
) -> Response {
    ApiClient::new(c, token, ws).send(method, path, body).await
}

pub(super) async fn set_plan(app: &TestApp, ws: &str, plan: app::types::Plan) {
    app::workspaces::service::set_plan(&app.db, ws.parse().unwrap(), plan)
        .await
        .unwrap();
}

/// Creates a token through the UI's server function; returns (token, id).
pub(super) async fn create_token(
    c: &mut Client,
    name: &str,
    days: Option<u32>,
    scope: TokenScope,
) -> (String, String) {
    let r = c
        .invoke(CreateApiToken {
            name: name.into(),
            expires_in_days: days,
            scope,
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let v = r.json();
    (
        v["token"].as_str().unwrap().to_string(),
        v["info"]["id"].as_str().unwrap().to_string(),
    )
}

/// A Team workspace with a read-and-write token: (owner, workspace, token).
pub(super) async fn team_with_token(app: &TestApp, name: &str) -> (Client, String, String) {
    let (mut owner, _) = app.signed_up(name).await;
    let ws = owner.workspace_id().await;
    set_plan(app, &ws, app::types::Plan::Team).await;
    let (token, _) = create_token(&mut owner, "Sync", None, TokenScope::ReadWrite).await;
    (owner, ws, token)
}
