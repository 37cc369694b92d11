//! Clients, projects and tags through their server functions, on SQLite or
//! PostgreSQL: names unique per workspace, archiving, roles, billing
//! status and workspace isolation.

use crate::common::*;
use app::catalog::GetCatalog;
use app::clients::{CreateClient, DeleteClient, ListClients, UpdateClient};
use app::projects::{CreateProject, DeleteProject, ListProjects, ProjectInput, UpdateProject};
use app::tags::{DeleteTag, ListTags, SaveTag};
use app::types::{ArchiveFilter, Role};
use app::workspaces::{AddMember, SwitchWorkspace};
use axum::http::StatusCode;

/// A project input: `name`, colour `color`, no rate, not billable.
fn input(name: &str, color: &str) -> ProjectInput {
    ProjectInput {
        name: name.into(),
        client_id: None,
        color: color.into(),
        billable: false,
        hourly_rate: String::new(),
        archived: false,
    }
}

async fn project(c: &mut Client, name: &str, client_id: Option<&str>) -> Response {
    c.invoke(CreateProject {
        input: ProjectInput {
            client_id: client_id.map(|c| c.parse().unwrap()),
            billable: true,
            hourly_rate: "85.50".into(),
            ..input(name, "#4F46E5")
        },
    })
    .await
}

#[tokio::test]
async fn owners_build_the_catalogue_with_unique_names_and_archiving() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Cat").await;

    let acme = owner
        .invoke(CreateClient {
            name: "  Acme Corp ".into(),
        })
        .await;
    assert_eq!(acme.status, StatusCode::OK, "{}", acme.body);
    let acme = acme.json();
    assert_eq!(acme["name"], "Acme Corp");
    let dup = owner
        .invoke(CreateClient {
            name: "ACME corp".into(),
        })
        .await;
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
        .invoke(CreateProject {
            input: input("X", "blue"),
        })
        .await;
    assert_eq!(bad.json()["Invalid"]["field"], "color");
    let bad = owner
        .invoke(CreateProject {
            input: ProjectInput {
                hourly_rate: "12.345".into(),
                ..input("X", "#000000")
            },
        })
        .await;
    assert_eq!(bad.json()["Invalid"]["field"], "hourly_rate");

    let tag = owner
        .invoke(SaveTag {
            id: None,
            name: "#meetings".into(),
            color: "#22c55e".into(),
        })
        .await;
    assert_eq!(tag.status, StatusCode::OK, "{}", tag.body);
    assert_eq!(tag.json()["name"], "meetings");
    let spaced = owner
        .invoke(SaveTag {
            id: None,
            name: "two words".into(),
            color: "#22c55e".into(),
        })
        .await;
    assert_eq!(spaced.json()["Invalid"]["field"], "name");
    let dup = owner
        .invoke(SaveTag {
            id: None,
            name: "Meetings".into(),
            color: "#000000".into(),
        })
        .await;
    assert_eq!(dup.json()["Invalid"]["field"], "name");

    // Archiving hides from the default list and keeps the record.
    let arch = owner
        .invoke(UpdateClient {
            id: uuid(&acme),
            name: "Acme Corp".into(),
            archived: true,
        })
        .await;
    assert_eq!(arch.status, StatusCode::OK, "{}", arch.body);
    let active = owner
        .invoke(ListClients {
            filter: ArchiveFilter::Active,
        })
        .await
        .json();
    assert_eq!(active.as_array().unwrap().len(), 0);
    let all = owner
        .invoke(ListClients {
            filter: ArchiveFilter::All,
        })
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["archived"], true);

    let arch = owner
        .invoke(UpdateProject {
            id: uuid(&p),
            input: ProjectInput {
                archived: true,
                ..input("Website", "#4f46e5")
            },
        })
        .await;
    assert_eq!(arch.status, StatusCode::OK, "{}", arch.body);
    assert_eq!(
        owner
            .invoke(ListProjects {
                filter: ArchiveFilter::Active
            })
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        owner
            .invoke(ListProjects {
                filter: ArchiveFilter::Archived
            })
            .await
            .json()[0]["name"],
        "Website"
    );

    // The pickers' catalogue keeps archived rows, marked, for the filters.
    let cat = owner.invoke(GetCatalog {}).await.json();
    assert_eq!(cat["clients"][0]["name"], "Acme Corp");
    assert_eq!(cat["clients"][0]["archived"], true);
    assert_eq!(cat["projects"][0]["name"], "Website");
    assert_eq!(cat["projects"][0]["archived"], true);

    // Deleting a client keeps its projects, without a client.
    assert_eq!(
        owner.invoke(DeleteClient { id: uuid(&acme) }).await.status,
        StatusCode::OK
    );
    let projects = owner
        .invoke(ListProjects {
            filter: ArchiveFilter::All,
        })
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
        .invoke(AddMember {
            email: member_email.clone(),
            role: Role::Member,
        })
        .await;
    member
        .invoke(SwitchWorkspace {
            workspace_id: ws.parse().unwrap(),
        })
        .await;

    let r = member
        .invoke(CreateClient {
            name: "Sneaky".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = member
        .invoke(SaveTag {
            id: None,
            name: "sneaky".into(),
            color: "#000000".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        member
            .invoke(ListClients {
                filter: ArchiveFilter::All
            })
            .await
            .status,
        StatusCode::OK
    );

    app.set_billing(&ws, app::types::BillingStatus::ReadOnly)
        .await;
    let refused = [
        owner
            .invoke(CreateClient {
                name: "Later".into(),
            })
            .await,
        owner
            .invoke(SaveTag {
                id: None,
                name: "later".into(),
                color: "#000000".into(),
            })
            .await,
        owner
            .invoke(CreateProject {
                input: input("Later", "#000000"),
            })
            .await,
    ];
    for r in refused {
        assert_eq!(
            r.json(),
            serde_json::json!("WorkspaceReadOnly"),
            "{}",
            r.body
        );
    }
    assert_eq!(owner.invoke(ListTags {}).await.status, StatusCode::OK);
}

#[tokio::test]
async fn another_workspaces_catalogue_ids_answer_not_found() {
    let app = spawn().await;
    let (mut alice, _) = app.signed_up("Alice").await;
    let (mut mallory, _) = app.signed_up("Mallory").await;
    let client = alice
        .invoke(CreateClient {
            name: "Secret Client".into(),
        })
        .await
        .json();
    let tag = alice
        .invoke(SaveTag {
            id: None,
            name: "secret".into(),
            color: "#000000".into(),
        })
        .await
        .json();
    let proj = project(&mut alice, "Secret Project", None).await.json();

    // Mallory cannot attach Alice's client, nor read, change or delete her records.
    let r = project(&mut mallory, "Mine", Some(&id(&client))).await;
    assert_eq!(r.json()["Invalid"]["field"], "client_id");
    let r = mallory
        .invoke(UpdateClient {
            id: uuid(&client),
            name: "Pwned".into(),
            archived: false,
        })
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = mallory.invoke(DeleteClient { id: uuid(&client) }).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = mallory
        .invoke(SaveTag {
            id: Some(uuid(&tag)),
            name: "pwned".into(),
            color: "#000000".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = mallory.invoke(DeleteTag { id: uuid(&tag) }).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = mallory
        .invoke(UpdateProject {
            id: uuid(&proj),
            input: input("Pwned", "#000000"),
        })
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = mallory
        .invoke(DeleteProject {
            id: uuid(&proj),
            keep_entries: false,
        })
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        mallory
            .invoke(ListClients {
                filter: ArchiveFilter::All
            })
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
            .invoke(CreateClient {
                name: "Secret Client".into()
            })
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        alice
            .invoke(ListClients {
                filter: ArchiveFilter::All
            })
            .await
            .json()[0]["name"],
        "Secret Client"
    );
}
