//! Clients, projects and tags through their server functions, on SQLite or
//! PostgreSQL: names unique per workspace, archiving, roles, billing
//! status and workspace isolation.

use crate::common::*;
use axum::http::StatusCode;

async fn project(c: &mut Client, name: &str, client_id: Option<&str>) -> Response {
    let mut form = vec![
        ("input[name]", name),
        ("input[color]", "#4F46E5"),
        ("input[billable]", "true"),
        ("input[hourly_rate]", "85.50"),
    ];
    if let Some(cid) = client_id {
        form.push(("input[client_id]", cid));
    }
    c.rpc("create_project", &form).await
}

#[tokio::test]
async fn owners_build_the_catalogue_with_unique_names_and_archiving() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Cat").await;

    let acme = owner
        .rpc("create_client", &[("name", "  Acme Corp ")])
        .await;
    assert_eq!(acme.status, StatusCode::OK, "{}", acme.body);
    let acme = acme.json();
    assert_eq!(acme["name"], "Acme Corp");
    let dup = owner.rpc("create_client", &[("name", "ACME corp")]).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.json()["Invalid"]["field"], "name");
    assert!(dup.body.contains("already exists"), "{}", dup.body);

    let p = project(&mut owner, "Website", Some(&id(&acme))).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let p = p.json();
    assert_eq!(p["color"], "#4f46e5");
    assert_eq!(p["hourly_rate_cents"], 8550);
    assert_eq!(p["client_id"], acme["id"]);
    let bad = owner
        .rpc(
            "create_project",
            &[
                ("input[name]", "X"),
                ("input[color]", "blue"),
                ("input[hourly_rate]", ""),
            ],
        )
        .await;
    assert_eq!(bad.json()["Invalid"]["field"], "color");
    let bad = owner
        .rpc(
            "create_project",
            &[
                ("input[name]", "X"),
                ("input[color]", "#000000"),
                ("input[hourly_rate]", "12.345"),
            ],
        )
        .await;
    assert_eq!(bad.json()["Invalid"]["field"], "hourly_rate");

    let tag = owner
        .rpc("save_tag", &[("name", "#meetings"), ("color", "#22c55e")])
        .await;
    assert_eq!(tag.status, StatusCode::OK, "{}", tag.body);
    assert_eq!(tag.json()["name"], "meetings");
    let spaced = owner
        .rpc("save_tag", &[("name", "two words"), ("color", "#22c55e")])
        .await;
    assert_eq!(spaced.json()["Invalid"]["field"], "name");
    let dup = owner
        .rpc("save_tag", &[("name", "Meetings"), ("color", "#000000")])
        .await;
    assert_eq!(dup.json()["Invalid"]["field"], "name");

    // Archiving hides from the default list and keeps the record.
    let arch = owner
        .rpc(
            "update_client",
            &[
                ("id", &id(&acme)),
                ("name", "Acme Corp"),
                ("archived", "true"),
            ],
        )
        .await;
    assert_eq!(arch.status, StatusCode::OK, "{}", arch.body);
    let active = owner
        .rpc("list_clients", &[("filter", "Active")])
        .await
        .json();
    assert_eq!(active.as_array().unwrap().len(), 0);
    let all = owner.rpc("list_clients", &[("filter", "All")]).await.json();
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["archived"], true);

    let arch = owner
        .rpc(
            "update_project",
            &[
                ("id", &id(&p)),
                ("input[name]", "Website"),
                ("input[color]", "#4f46e5"),
                ("input[archived]", "true"),
                ("input[hourly_rate]", ""),
            ],
        )
        .await;
    assert_eq!(arch.status, StatusCode::OK, "{}", arch.body);
    assert_eq!(
        owner
            .rpc("list_projects", &[("filter", "Active")])
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        owner
            .rpc("list_projects", &[("filter", "Archived")])
            .await
            .json()[0]["name"],
        "Website"
    );

    // The pickers' catalogue keeps archived rows, marked, for the filters.
    let cat = owner.rpc("get_catalog", &[]).await.json();
    assert_eq!(cat["clients"][0]["name"], "Acme Corp");
    assert_eq!(cat["clients"][0]["archived"], true);
    assert_eq!(cat["projects"][0]["name"], "Website");
    assert_eq!(cat["projects"][0]["archived"], true);

    // Deleting a client keeps its projects, without a client.
    assert_eq!(
        owner
            .rpc("delete_client", &[("id", &id(&acme))])
            .await
            .status,
        StatusCode::OK
    );
    let projects = owner
        .rpc("list_projects", &[("filter", "All")])
        .await
        .json();
    assert_eq!(projects[0]["client_id"], serde_json::Value::Null);
}

#[tokio::test]
async fn members_and_read_only_workspaces_cannot_change_the_catalogue() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Boss").await;
    let (mut member, member_email) = app.signed_up("Staff").await;
    let ws = owner.me().await.json()["current"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    owner
        .rpc(
            "add_member",
            &[("email", &member_email), ("role", "Member")],
        )
        .await;
    member
        .rpc("switch_workspace", &[("workspace_id", &ws)])
        .await;

    let r = member.rpc("create_client", &[("name", "Sneaky")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = member
        .rpc("save_tag", &[("name", "sneaky"), ("color", "#000000")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        member
            .rpc("list_clients", &[("filter", "All")])
            .await
            .status,
        StatusCode::OK
    );

    app.set_billing(&ws, app::types::BillingStatus::ReadOnly)
        .await;
    for (f, form) in [
        ("create_client", vec![("name", "Later")]),
        ("save_tag", vec![("name", "later"), ("color", "#000000")]),
        (
            "create_project",
            vec![
                ("input[name]", "Later"),
                ("input[color]", "#000000"),
                ("input[hourly_rate]", ""),
            ],
        ),
    ] {
        let r = owner.rpc(f, &form).await;
        assert_eq!(r.json(), serde_json::json!("WorkspaceReadOnly"), "{f}");
    }
    assert_eq!(owner.rpc("list_tags", &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn another_workspaces_catalogue_ids_answer_not_found() {
    let app = spawn().await;
    let (mut alice, _) = app.signed_up("Alice").await;
    let (mut mallory, _) = app.signed_up("Mallory").await;
    let client = alice
        .rpc("create_client", &[("name", "Secret Client")])
        .await
        .json();
    let tag = alice
        .rpc("save_tag", &[("name", "secret"), ("color", "#000000")])
        .await
        .json();
    let proj = project(&mut alice, "Secret Project", None).await.json();

    // Mallory cannot attach Alice's client, nor read, change or delete her records.
    let r = project(&mut mallory, "Mine", Some(&id(&client))).await;
    assert_eq!(r.json()["Invalid"]["field"], "client_id");
    let r = mallory
        .rpc(
            "update_client",
            &[
                ("id", &id(&client)),
                ("name", "Pwned"),
                ("archived", "false"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = mallory.rpc("delete_client", &[("id", &id(&client))]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = mallory
        .rpc(
            "save_tag",
            &[("id", &id(&tag)), ("name", "pwned"), ("color", "#000000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = mallory.rpc("delete_tag", &[("id", &id(&tag))]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = mallory
        .rpc(
            "update_project",
            &[
                ("id", &id(&proj)),
                ("input[name]", "Pwned"),
                ("input[color]", "#000000"),
                ("input[hourly_rate]", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = mallory.rpc("delete_project", &[("id", &id(&proj))]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        mallory
            .rpc("list_clients", &[("filter", "All")])
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Same names are fine in different workspaces.
    assert_eq!(
        mallory
            .rpc("create_client", &[("name", "Secret Client")])
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        alice.rpc("list_clients", &[("filter", "All")]).await.json()[0]["name"],
        "Secret Client"
    );
}
