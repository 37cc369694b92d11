//! Clients, projects and tags through the API.

use super::*;
use axum::body::Body;
use axum::http::Request;
use axum::http::{header, StatusCode};

#[tokio::test]
async fn catalog_endpoints_follow_the_same_rules_as_the_ui() {
    let app = spawn().await;
    let (_owner, ws, token) = team_with_token(&app, "Uma").await;
    let mut c = app.client();
    let t = Some(token.as_str());
    let w = Some(ws.as_str());
    let mut v1 = ApiClient::new(&c, t, w);

    let r = v1.post("/api/v1/clients", json!({ "name": "Acme" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let acme = r.json()["id"].as_str().unwrap().to_string();
    // Names are unique per workspace, case-insensitively (the UI's rule and
    // message, on the field).
    let r = v1.post("/api/v1/clients", json!({ "name": "ACME" })).await;
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
    let r = v1.post("/api/v1/clients", json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "name");
    let r = v1
        .post(
            "/api/v1/clients",
            json!({ "name": "X", "workspace_id": ws }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = v1.post("/api/v1/clients", json!({ "name": " " })).await;
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
    let r = v1.patch(&path, json!({ "archived": true })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["name"], "Acme");
    let count = |v: Value| v.as_array().unwrap().len();
    let r = v1.get("/api/v1/clients").await;
    assert_eq!(count(r.json()), 0);
    let r = v1.get("/api/v1/clients?archived=true").await;
    assert_eq!(count(r.json()), 1);
    let r = v1.get("/api/v1/clients?archived=all").await;
    assert_eq!(count(r.json()), 1);
    let r = v1.get("/api/v1/clients?archived=maybe").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Projects: defaults, a client of another workspace refused, PATCH clears.
    let r = v1.post("/api/v1/projects", json!({ "name": "Website", "client_id": acme, "billable": true, "hourly_rate_cents": 8550 })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p = r.json();
    assert_eq!(p["hourly_rate_cents"], 8550);
    assert_eq!(p["client_id"], acme.as_str());
    let project = p["id"].as_str().unwrap().to_string();
    let r = v1
        .patch(
            &format!("/api/v1/projects/{project}"),
            json!({ "client_id": null, "hourly_rate_cents": null }),
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
    let r = v1
        .post(
            "/api/v1/projects",
            json!({ "name": "Sneaky", "client_id": theirs }),
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
        let r = v1.send(m, &path, body).await;
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
    let r = v1.post("/api/v1/tags", json!({ "name": "#dev" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["name"], "dev");
    let tag = r.json()["id"].as_str().unwrap().to_string();
    let r = v1
        .patch(
            &format!("/api/v1/tags/{tag}"),
            json!({ "color": "#10b981" }),
        )
        .await;
    assert_eq!(r.json()["color"], "#10b981");
    let r = v1.delete(&format!("/api/v1/tags/{tag}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = v1.delete(&format!("/api/v1/clients/{acme}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}
